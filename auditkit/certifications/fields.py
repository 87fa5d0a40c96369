"""Reading a certification form (no Flask): scope text, IAF and NACE codes, personnel counts
with part-time groups and the effective number with its working, exclusions. Each refusal
is a CertificationError naming the field to fix."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from auditkit.certifications.sectors import iaf_sectors
from auditkit.field_errors import FieldError
from auditkit.planning.audit_time import AuditTimeError, effective_personnel

NACE = re.compile(r"[A-U]?\d{2}(\.\d{1,2})?")
MAX_PERSONNEL = 1_000_000
MAX_EXCLUSIONS = 40


class CertificationError(FieldError):
    """A certification change refused; `field` names the form field to fix."""


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
