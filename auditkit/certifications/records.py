"""Certification records (no Flask): create and change a certification, record the
application review, withdraw it.

Each change is checked here and written through the caller's unit of work with an audit
event; nothing is committed here. A refused change raises CertificationError naming the
form field to show the message beside. The personnel in scope are kept as entered and as
the effective number worked out from them (auditkit.planning.audit_time), with the working.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from auditkit.certifications.schemes import (
    FACTOR_LEVELS,
    ISMS_FACTORS,
    SCHEMES,
    VCA_LEVELS,
    Scheme,
)
from auditkit.certifications.sectors import iaf_sectors
from auditkit.field_errors import FieldError
from auditkit.models import Certification, Organisation, User, utcnow
from auditkit.planning.audit_time import AuditTimeError, effective_personnel
from auditkit.unit_of_work import ServerWork

NACE = re.compile(r"[A-U]?\d{2}(\.\d{1,2})?")
MAX_PERSONNEL = 1_000_000
MAX_EXCLUSIONS = 40

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


class CertificationError(FieldError):
    """A certification change refused; `field` names the form field to fix."""


# ---- reading the form ----


def _text(values: Mapping[str, Any], name: str, limit: int, required: str = "") -> str:
    value = str(values.get(name, "") or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise CertificationError(name, required)
    if len(value) > limit:
        raise CertificationError(name, f"Keep this under {limit} characters.")
    return value


def _count(values: Mapping[str, Any], name: str) -> int:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > MAX_PERSONNEL:
        raise CertificationError(name, "Give a whole number of people, such as 12.")
    return int(raw)


def parse_sector_codes(raw: str) -> list[int]:
    """ "17, 18" -> [17, 18]; each an IAF code from 1 to 39, at least one."""
    parts = [p for p in re.split(r"[,;\s]+", raw.strip()) if p]
    if not parts:
        raise CertificationError(
            "sector_codes", "Give the IAF sector code(s) of the scope, such as 17, 18."
        )
    codes: list[int] = []
    for part in parts:
        if not part.isdigit() or int(part) not in iaf_sectors():
            raise CertificationError(
                "sector_codes", f"{part} is not an IAF sector code: they run from 1 to 39."
            )
        if int(part) not in codes:
            codes.append(int(part))
    return codes


def parse_nace_codes(raw: str) -> list[str]:
    """ "25.62, C28.1" -> ["25.62", "C28.1"]: a NACE division, group or class."""
    codes: list[str] = []
    for part in (p.upper() for p in re.split(r"[,;\s]+", raw.strip()) if p):
        if not NACE.fullmatch(part):
            raise CertificationError(
                "nace_codes", f"{part} is not a NACE code; write a class as 25.62 or 25.6."
            )
        if part not in codes:
            codes.append(part)
    return codes


def parse_part_time(raw: str) -> list[list[int]]:
    """ "10 x 20, 4 x 16" (people x hours a week) -> [[10, 20], [4, 16]]."""
    groups: list[list[int]] = []
    for part in (p.strip() for p in re.split(r"[,;\n]+", raw) if p.strip()):
        match = re.fullmatch(r"(\d+)\s*[x×*]\s*(\d+(?:\.\d+)?)\s*(?:h|hours)?", part)
        if not match or int(match[1]) > MAX_PERSONNEL or not 0 < float(match[2]) <= 80:
            raise CertificationError(
                "part_time",
                f"{part!r}: write each group as people x hours a week, such as 10 x 20.",
            )
        groups.append([int(match[1]), round(float(match[2]))])
    return groups


def parse_personnel(values: Mapping[str, Any]) -> dict[str, Any]:
    """The personnel in scope as entered: full time, part time, temporary, contractors."""
    week_raw = str(values.get("week_hours", "") or "40").strip()
    if not week_raw.isdigit() or not 1 <= int(week_raw) <= 80:
        raise CertificationError("week_hours", "A full-time week is 1 to 80 hours, such as 40.")
    return {
        "full_time": _count(values, "full_time"),
        "part_time": parse_part_time(str(values.get("part_time", "") or "")),
        "week_hours": int(week_raw),
        "temporary": _count(values, "temporary"),
        "contractors": _count(values, "contractors"),
    }


def personnel_working(personnel: Mapping[str, Any]) -> Any:
    """The effective personnel of entered counts, with its working (IAF MD 5)."""
    try:
        return effective_personnel(
            full_time=int(personnel.get("full_time", 0)),
            part_time=[(int(n), int(h)) for n, h in personnel.get("part_time", [])],
            temporary=int(personnel.get("temporary", 0)),
            contractors=int(personnel.get("contractors", 0)),
            full_time_hours=int(personnel.get("week_hours", 40)),
        )
    except AuditTimeError as exc:
        field = "part_time" if "part-time" in str(exc) else "full_time"
        raise CertificationError(field, f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None


def parse_exclusions(raw: str) -> list[dict[str, str]]:
    """One exclusion a line: "8.3: we design nothing, customers send drawings"."""
    found: list[dict[str, str]] = []
    for line in (line.strip() for line in raw.splitlines() if line.strip()):
        match = re.fullmatch(r"(\d+(?:\.\d+){0,4})\s*[:\-–]\s*(.+)", line)
        if not match:
            raise CertificationError(
                "exclusions",
                f"{line!r}: write the clause, a colon and the justification, such as "
                "8.3: we do no design.",
            )
        found.append({"clause": match[1], "justification": match[2].strip()[:1000]})
    if len(found) > MAX_EXCLUSIONS:
        raise CertificationError("exclusions", f"At most {MAX_EXCLUSIONS} exclusions.")
    return found


def exclusions_text(exclusions: Sequence[Mapping[str, str]]) -> str:
    return "\n".join(f"{e['clause']}: {e['justification']}" for e in exclusions)


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
    work.event(
        "certification.withdraw",
        entity="certification",
        entity_id=str(row.id),
        detail={"reason": reason},
    )


def by_id(org: Organisation, certification_id: uuid.UUID) -> Certification | None:
    return next((c for c in org.certifications if c.id == certification_id), None)
