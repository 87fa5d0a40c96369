"""Certification records (no Flask): create and change a certification, record the
application review, withdraw it.

Each change is checked here and written through the caller's unit of work with an audit
event; nothing is committed here. A refused change raises CertificationError naming the
form field to show the message beside. The personnel in scope are kept as entered and as
the effective number worked out from them (auditkit.planning.audit_time), with the working.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from auditkit.certifications.fields import (
    CertificationError,
    _text,
    parse_exclusions,
    parse_nace_codes,
    parse_personnel,
    parse_sector_codes,
    personnel_working,
)
from auditkit.certifications.schemes import (
    FACTOR_LEVELS,
    ISMS_FACTORS,
    SCHEMES,
    VCA_LEVELS,
    Scheme,
)
from auditkit.models import Certification, Organisation, User, utcnow
from auditkit.unit_of_work import ServerWork

# What the application review confirms (ISO/IEC 17021-1 9.1.2), in our words.
REVIEW_CHECKS: dict[str, str] = {
    "scope": "The scope applied for is clear and the client agrees with how it is worded.",
    "information": "What the client told us is enough to plan: sites, personnel, processes, "
    "outsourcing, legal requirements that apply.",
    "understanding": "Any difference in understanding between the client and the CB is settled.",
    "competence": "The CB has auditors qualified for the scope's sector codes and standards.",
    "time": "The audit time is worked out and the client was told.",
    "impartiality": "Threats to impartiality were looked for and none stands in the way.",
}


def _fields(
    org: Organisation, scheme: Scheme, values: Mapping[str, Any], site_ids: Sequence[str]
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "scope": _text(values, "scope", 5000, "Describe the scope: activities, products, sites."),
        "sector_codes": parse_sector_codes(str(values.get("sector_codes", "") or "")),
        "nace_codes": parse_nace_codes(str(values.get("nace_codes", "") or "")),
        "personnel": parse_personnel(values),
    }
    sites = {str(s.id): s for s in org.sites}
    chosen = [sites[i] for i in dict.fromkeys(site_ids) if i in sites]
    if len(chosen) != len(set(site_ids)):
        raise CertificationError("sites", "Choose among this client's own sites.")
    if not chosen:
        raise CertificationError("sites", "Choose the sites in scope: at least one.")
    fields["sites"] = chosen
    fields["effective_personnel"] = personnel_working(fields["personnel"]).count
    if scheme.complexities:
        complexity = str(values.get("complexity", "") or "")
        if complexity not in scheme.complexities:
            raise CertificationError(
                "complexity",
                f"Choose the complexity category for {scheme.standard}: "
                + ", ".join(scheme.complexities)
                + ".",
            )
        fields["complexity"] = complexity
    else:
        fields["complexity"] = None
    fields["exclusions"] = (
        parse_exclusions(str(values.get("exclusions", "") or "")) if scheme.exclusions else []
    )
    fields["soa_version"] = (
        _text(values, "soa_version", 80) if scheme.statement_of_applicability else ""
    )
    factors: dict[str, str] = {}
    if scheme.isms_factors:
        for factor in ISMS_FACTORS:
            level = str(values.get(f"factor_{factor}", "") or "")
            if level not in FACTOR_LEVELS:
                raise CertificationError(f"factor_{factor}", "Rate this low, medium or high.")
            factors[factor] = level
    fields["isms_factors"] = factors
    if scheme.vca_levels:
        level = str(values.get("vca_level", "") or "")
        if level not in scheme.vca_levels:
            raise CertificationError(
                "vca_level", "Choose the VCA level applied for: " + ", ".join(VCA_LEVELS.values())
            )
        fields["vca_level"] = level
    else:
        fields["vca_level"] = None
    return fields


# ---- changes ----


def create_certification(
    work: ServerWork, org: Organisation, values: Mapping[str, Any], site_ids: Sequence[str]
) -> Certification:
    """A client applies for a certification to one scheme; one current one per scheme."""
    scheme_id = str(values.get("scheme", "") or "")
    if scheme_id not in SCHEMES:
        raise CertificationError("scheme", "Choose the standard or scheme applied for.")
    if any(c.scheme == scheme_id and c.withdrawn_at is None for c in org.certifications):
        raise CertificationError(
            "scheme",
            f"{org.name} already holds or applies for {SCHEMES[scheme_id].label}: change that "
            "certification instead.",
        )
    if org.archived_at is not None:
        raise CertificationError("scheme", "This client is archived: restore it first.")
    fields = _fields(org, SCHEMES[scheme_id], values, site_ids)
    row = Certification(organisation_id=org.id, scheme=scheme_id, **fields)
    work.session.add(row)
    org.certifications.append(row)
    refresh_next_due(row, date.today())
    work.session.flush()
    work.event(
        "certification.create",
        entity="certification",
        entity_id=str(row.id),
        detail={"organisation": str(org.id), "scheme": scheme_id},
    )
    return row


def update_certification(
    work: ServerWork, row: Certification, values: Mapping[str, Any], site_ids: Sequence[str]
) -> None:
    fields = _fields(row.organisation, SCHEMES[row.scheme], values, site_ids)
    changed = sorted(k for k, v in fields.items() if getattr(row, k) != v)
    for key in changed:
        setattr(row, key, fields[key])
    if changed:
        work.session.flush()
        work.event(
            "certification.update",
            entity="certification",
            entity_id=str(row.id),
            detail={"fields": changed},
        )


def record_application_review(
    work: ServerWork, row: Certification, reviewer: User, checks: Sequence[str], notes: str
) -> None:
    """The application review: every check confirmed, by a named person, with a date."""
    missing = [key for key in REVIEW_CHECKS if key not in checks]
    if missing:
        raise CertificationError(
            f"check_{missing[0]}",
            "Confirm each check; what cannot be confirmed yet goes in the notes, and the review "
            "waits until it can.",
        )
    row.review_checks = list(REVIEW_CHECKS)
    row.review_notes = _text({"notes": notes}, "notes", 5000)
    row.reviewed_by_id = reviewer.id
    row.reviewed_at = utcnow()
    work.event(
        "certification.application_review",
        entity="certification",
        entity_id=str(row.id),
        detail={"checks": list(REVIEW_CHECKS)},
    )


def withdraw_application(work: ServerWork, row: Certification, reason: str) -> None:
    """The client no longer pursues the certification (before any decision)."""
    if row.cycles:
        raise CertificationError(
            "reason",
            "This certification has been granted: withdrawing it is a certification decision.",
        )
    if row.withdrawn_at is not None:
        raise CertificationError("reason", "This application is withdrawn already.")
    reason = _text({"reason": reason}, "reason", 2000, "Say why, for the record.")
    row.withdrawn_at = utcnow()
    refresh_next_due(row, date.today())
    work.event(
        "certification.withdraw",
        entity="certification",
        entity_id=str(row.id),
        detail={"reason": reason},
    )


def refresh_next_due(row: Certification, today: date) -> None:
    # Late import: the programme overview reads this module's parsing helpers.
    from auditkit.certifications.overview import refresh_next_due as refresh

    refresh(row, today)


def by_id(org: Organisation, certification_id: uuid.UUID) -> Certification | None:
    return next((c for c in org.certifications if c.id == certification_id), None)
