"""Issuing certificates: numbers from the CB's pattern, revisions that supersede, status
changes in place (17021-1 8.2; DOMAIN.md 1.9). Called by auditkit.decisions.outcomes; nothing
commits here.

A change of what the certificate states (scope, sites, dates, holder) is a new revision; the
old one stays readable, no longer current. A change of status (suspended, withdrawn, lifted)
changes the current revision in place: the certificate itself says the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditkit.certificates.settings import SCHEME_CODES, CertificateSettings
from auditkit.certifications.schemes import SCHEMES
from auditkit.models import (
    Certificate,
    CertificateSite,
    CertificateStatus,
    Certification,
    CertificationCycle,
    Counter,
    Decision,
)


def next_number(session: Session, settings: CertificateSettings, scheme: str, year: int) -> str:
    """The next certificate number: the counter of this prefix, code and year goes up by one
    in one UPDATE, so two decisions at once never share a number."""
    values = {"prefix": settings.prefix, "code": SCHEME_CODES.get(scheme, "MS"), "year": year}
    name = f"certificate:{settings.number_pattern.replace('{seq', '{_seq')}"
    name = name.format(**values, _seq=0)[:80]
    for _ in range(2):
        value = session.scalar(
            update(Counter)
            .where(Counter.name == name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        if value is not None:
            return settings.number_pattern.format(**values, seq=value)
        try:
            with session.begin_nested():
                session.execute(insert(Counter).values(name=name, value=0))
        except IntegrityError:
            pass  # another decision made it first: take the next value from it
    raise RuntimeError(f"counter {name} could not be taken")


def site_rows(
    certification: Certification, scope_by_site: dict[str, str] | None = None
) -> list[CertificateSite]:
    """The certification's sites as a certificate states them (headquarters first), each
    with its scope: as given per site, else the site's activities, else the overall scope."""
    scope_by_site = scope_by_site or {}
    return [
        CertificateSite(
            site_id=site.id,
            position=position,
            name=site.name,
            address=site.address,
            city=site.city,
            country=site.country,
            is_headquarters=site.is_headquarters,
            scope=scope_by_site.get(str(site.id)) or site.activities or certification.scope,
        )
        for position, site in enumerate(
            sorted(certification.sites, key=lambda s: (not s.is_headquarters, s.name))
        )
    ]


def issue(
    session: Session,
    settings: CertificateSettings,
    certification: Certification,
    decision: Decision,
    cycle: CertificationCycle,
    *,
    effective: date,
    scope: str | None = None,
    scope_by_site: dict[str, str] | None = None,
    previous: Certificate | None = None,
) -> Certificate:
    """A new revision (or the first) stating the certification as it is now."""
    org = certification.organisation
    scheme = SCHEMES[certification.scheme]
    if previous is not None:
        previous.is_current = False
        session.flush()  # one current revision per number, even inside this transaction
    number = (
        previous.number
        if previous is not None
        else next_number(session, settings, certification.scheme, decision.decision_date.year)
    )
    cert = Certificate(
        number=number,
        revision=previous.revision + 1 if previous is not None else 0,
        is_current=True,
        organisation_id=org.id,
        certification_id=certification.id,
        cycle_id=cycle.id,
        decision_id=decision.id,
        supersedes_id=previous.id if previous is not None else None,
        status=CertificateStatus.ACTIVE,
        status_since=effective,
        holder_name=org.legal_name or org.name,
        holder_address=org.address,
        holder_city=org.city,
        holder_country=org.country,
        scheme=certification.scheme,
        standards=[{"standard": scheme.standard, "edition": scheme.edition}],
        vca_level=certification.vca_level,
        scope=scope if scope is not None else certification.scope,
        sector_codes=list(certification.sector_codes),
        original_date=previous.original_date if previous is not None else effective,
        issue_date=decision.decision_date,
        effective_date=effective,
        cycle_start=cycle.start_date,
        expiry_date=cycle.expiry_date,
        accredited=settings.accredited(certification.scheme, list(certification.sector_codes)),
        soa_version=certification.soa_version if scheme.statement_of_applicability else "",
        sites=site_rows(certification, scope_by_site),
    )
    session.add(cert)
    session.flush()
    return cert


def set_status(
    cert: Certificate,
    status: CertificateStatus,
    *,
    since: date,
    reason: str,
    suspended_until: date | None = None,
) -> None:
    cert.status = status
    cert.status_since = since
    cert.status_reason = reason
    cert.suspended_until = suspended_until if status == CertificateStatus.SUSPENDED else None


def revisions(session: Session, number: str) -> list[Certificate]:
    """Every revision of a certificate, newest first."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.number == number)
            .order_by(Certificate.revision.desc())
        )
    )


def summary(cert: Certificate) -> dict[str, Any]:
    return {"number": cert.number, "revision": cert.revision, "status": cert.status.value}
