"""Certifications (no Flask): the schemes the CB certifies to, the IAF sector codes, and a
client's certification records with their application review.

Decisions and certificates (ISO/IEC 17021-1 9.5-9.6) will live here too.
"""

from auditkit.certifications.fields import CertificationError, exclusions_text
from auditkit.certifications.records import (
    REVIEW_CHECKS,
    create_certification,
    record_application_review,
    update_certification,
    withdraw_application,
)
from auditkit.certifications.schemes import SCHEMES, VCA_LEVELS, Scheme, display_name, scheme
from auditkit.certifications.sectors import iaf_sectors, sector_label

__all__ = [
    "REVIEW_CHECKS",
    "SCHEMES",
    "VCA_LEVELS",
    "CertificationError",
    "Scheme",
    "create_certification",
    "display_name",
    "exclusions_text",
    "iaf_sectors",
    "record_application_review",
    "scheme",
    "sector_label",
    "update_certification",
    "withdraw_application",
]
