"""A certificate brought up to date with its holder and sites (no Flask, no commit).

When a client's name or address, or a site's name or address, changes after the certificate
was issued, the certificate still states the old ones: 17021-1 8.2.2 a) wants the holder and
each site as they are. `differences` says what no longer matches; `amend` issues the next
revision stating them as they are now, superseding the current one. The decision it rests on,
its effective and expiry dates, its scope per site and its status stay: nothing was decided
anew (a change of scope or sites in scope is a decision: auditkit.decisions).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditkit.certificates.issue import site_rows
from auditkit.field_errors import FieldError
from auditkit.models import Certificate, Certification
from auditkit.unit_of_work import ServerWork

REASON_LIMIT = 2000


class AmendRefused(FieldError):
    pass


def _holder(certification: Certification) -> dict[str, str]:
    org = certification.organisation
    return {
        "holder_name": org.legal_name or org.name,
        "holder_address": org.address,
        "holder_city": org.city,
        "holder_country": org.country,
    }


def differences(cert: Certificate, certification: Certification) -> list[str]:
    """What the certificate states that its holder's records no longer say, as sentences."""
    found = []
    labels = {
        "holder_name": "the holder's name",
        "holder_address": "the holder's address",
        "holder_city": "the holder's city",
        "holder_country": "the holder's country",
    }
    for field, now in _holder(certification).items():
        if getattr(cert, field) != now:
            found.append(f"{labels[field]}: “{getattr(cert, field)}” is now “{now}”")
    stated = {s.site_id: s for s in cert.sites}
    for site in certification.sites:
        old = stated.get(site.id)
        if old is None:
            continue  # a site added to the scope needs a decision, not an amendment
        for field, label in (("name", "name"), ("address", "address"), ("city", "city")):
            if getattr(old, field) != getattr(site, field):
                found.append(
                    f"site {old.name}'s {label}: “{getattr(old, field)}” is now "
                    f"“{getattr(site, field)}”"
                )
    return found


def amend(
    work: ServerWork, cert: Certificate, certification: Certification, *, reason: str, today: date
) -> Certificate:
    """The next revision, stating the holder and the sites as they are now."""
    session: Session = work.session
    reason = (reason or "").strip()
    if not cert.is_current:
        raise AmendRefused("reason", "Only the current revision can be amended.")
    if not differences(cert, certification):
        raise AmendRefused("reason", "The certificate states the holder and sites as they are.")
    if not reason:
        raise AmendRefused("reason", "Say why the certificate is amended.")
    if len(reason) > REASON_LIMIT:
        raise AmendRefused("reason", f"Keep the reason under {REASON_LIMIT} characters.")
    cert.is_current = False
    session.flush()  # one current revision per number
    kept_scope = {str(s.site_id): s.scope for s in cert.sites}
    in_scope = {s.site_id for s in cert.sites}
    sites = [s for s in site_rows(certification, kept_scope) if s.site_id in in_scope]
    for position, site in enumerate(sites):
        site.position = position
    copied = {
        column: getattr(cert, column)
        for column in (
            "number", "organisation_id", "certification_id", "cycle_id", "decision_id",
            "status", "status_since", "status_reason", "suspended_until", "scheme",
            "standards", "vca_level", "scope", "sector_codes", "original_date",
            "effective_date", "cycle_start", "expiry_date", "accredited", "soa_version",
        )
    }  # fmt: skip
    new = Certificate(
        **copied,
        **_holder(certification),
        revision=cert.revision + 1,
        is_current=True,
        supersedes_id=cert.id,
        issue_date=today,
        sites=sites,
    )
    session.add(new)
    session.flush()
    work.event(
        "certificate.amended", entity="certificate", entity_id=str(new.id),
        detail={"number": new.number, "revision": new.revision, "reason": reason},
    )  # fmt: skip
    return new
