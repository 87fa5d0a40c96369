"""Factories for certificates, registered into tests.factories.BUILDERS
(`factory.certificate(...)`). A certificate built here is a plain current revision with the
holder and sites copied from its certification, as auditkit.decisions would issue it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from auditkit.certificates.issue import site_rows
from auditkit.certifications.schemes import SCHEMES
from auditkit.models import Certificate, CertificateStatus, Certification

_numbers = iter(range(1, 10**9))


def certificate(
    session: Session,
    certification: Certification,
    *,
    number: str | None = None,
    effective: date | None = None,
    expiry: date | None = None,
    status: CertificateStatus = CertificateStatus.ACTIVE,
    **fields: Any,
) -> Certificate:
    """The current revision of a certificate for `certification`, effective today by default
    and valid for three years less a day."""
    effective = effective or date.today()
    expiry = expiry or effective.replace(year=effective.year + 3) - timedelta(days=1)
    org = certification.organisation
    scheme = SCHEMES[certification.scheme]
    row = Certificate(
        number=number or f"AK-TEST-{next(_numbers):06d}",
        revision=fields.pop("revision", 0),
        organisation_id=org.id,
        certification_id=certification.id,
        status=status,
        status_since=fields.pop("status_since", effective),
        holder_name=org.legal_name,
        holder_address=org.address,
        holder_city=org.city,
        holder_country=org.country,
        scheme=certification.scheme,
        standards=[{"standard": scheme.standard, "edition": scheme.edition}],
        vca_level=certification.vca_level,
        scope=certification.scope,
        sector_codes=list(certification.sector_codes),
        original_date=fields.pop("original_date", effective),
        issue_date=fields.pop("issue_date", effective),
        effective_date=effective,
        cycle_start=fields.pop("cycle_start", effective),
        expiry_date=expiry,
        **fields,
    )
    row.sites.extend(site_rows(certification))
    session.add(row)
    session.flush()
    return row
