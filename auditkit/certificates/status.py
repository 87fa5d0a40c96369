"""Where a certificate stands on a given day, read from what was decided and its dates.

Nothing is stored for expiry: an active certificate past its expiry date reads as expired,
so nothing has to run for a certificate to expire. A suspension past its CB-set time limit is
flagged for withdrawal or scope reduction (17021-1 9.6.5). No Flask, no database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from auditkit.models.enums import CertificateStatus

S = CertificateStatus

LABELS = {
    S.DRAFT: "draft",
    S.ACTIVE: "valid",
    S.SUSPENDED: "suspended",
    S.WITHDRAWN: "withdrawn",
    S.EXPIRED: "expired",
    S.CANCELLED: "cancelled",
    S.INACTIVE: "superseded",
}

# IAF CertSearch's status values (DOMAIN.md 1.10); a superseded revision is "Inactive".
CERTSEARCH = {
    S.DRAFT: "Draft",
    S.ACTIVE: "Active",
    S.SUSPENDED: "Suspended",
    S.WITHDRAWN: "Withdrawn",
    S.EXPIRED: "Expired",
    S.CANCELLED: "Cancelled",
    S.INACTIVE: "Inactive",
}


def status_on(certificate: Any, today: date) -> CertificateStatus:
    """The certificate's status on `today`: superseded revisions are inactive; an active or
    suspended one past its expiry date has expired."""
    if not certificate.is_current:
        return S.INACTIVE
    stored = CertificateStatus(certificate.status)
    if stored in (S.ACTIVE, S.SUSPENDED) and certificate.expiry_date < today:
        return S.EXPIRED
    return stored


def is_valid(certificate: Any, today: date) -> bool:
    return status_on(certificate, today) == S.ACTIVE


def label(certificate: Any, today: date) -> str:
    return LABELS[status_on(certificate, today)]


def suspension_lapsed(certificate: Any, today: date) -> bool:
    """A suspension past its time limit: the CB withdraws the certificate or reduces its scope."""
    return (
        status_on(certificate, today) == S.SUSPENDED
        and certificate.suspended_until is not None
        and certificate.suspended_until < today
    )


def certsearch_status(certificate: Any, today: date) -> str:
    return CERTSEARCH[status_on(certificate, today)]
