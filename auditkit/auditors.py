"""Auditor records (no Flask): qualifications per scheme, declared ties to clients, and
clients' objections to a team member. Checked here, written through the caller's unit of
work with an audit event, never committed here; refusals name the form field to fix.
The team checks that read these records are in auditkit.planning.team.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from auditkit import workflow
from auditkit.certifications.fields import parse_sector_codes
from auditkit.certifications.schemes import SCHEMES, display_name
from auditkit.field_errors import FieldError
from auditkit.models import (
    Audit,
    AuditorQualification,
    ImpartialityDeclaration,
    Organisation,
    TeamObjection,
    TeamRole,
    User,
    utcnow,
)
from auditkit.planning.team import TIE_KINDS
from auditkit.unit_of_work import ServerWork

STATUSES = ("active", "suspended")
OUTCOMES = ("upheld", "rejected")


class AuditorRecordError(FieldError):
    pass


def _text(values: Mapping[str, Any], name: str, limit: int, required: str = "") -> str:
    value = str(values.get(name, "") or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise AuditorRecordError(name, required)
    if len(value) > limit:
        raise AuditorRecordError(name, f"Keep this under {limit} characters.")
    return value


def _date(values: Mapping[str, Any], name: str, *, required: bool) -> date | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        if required:
            raise AuditorRecordError(name, "Give the date as YYYY-MM-DD.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise AuditorRecordError(name, "Give the date as YYYY-MM-DD, such as 2026-01-31.") from None


def save_qualification(
    work: ServerWork, user: User, values: Mapping[str, Any]
) -> AuditorQualification:
    """Add or change the user's qualification for one scheme (one record per scheme)."""
    scheme = str(values.get("scheme", "") or "")
    if scheme not in SCHEMES:
        raise AuditorRecordError("scheme", "Choose the standard or scheme.")
    status = str(values.get("status", "") or "active")
    if status not in STATUSES:
        raise AuditorRecordError("status", "A qualification is active or suspended.")
    qualified_on = _date(values, "qualified_on", required=True)
    valid_until = _date(values, "valid_until", required=False)
    if qualified_on and valid_until and valid_until < qualified_on:
        raise AuditorRecordError("valid_until", "The end comes after the date of qualification.")
    fields = {
        "may_lead": str(values.get("may_lead", "")) in ("1", "on", "true"),
        "sector_codes": parse_sector_codes(str(values.get("sector_codes", "") or "")),
        "qualified_on": qualified_on,
        "valid_until": valid_until,
        "status": status,
        "note": _text(values, "note", 2000),
    }
    row = work.session.query(AuditorQualification).filter_by(user_id=user.id, scheme=scheme).first()
    if row is None:
        row = AuditorQualification(user_id=user.id, scheme=scheme, **fields)
        work.session.add(row)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    work.session.flush()
    work.event(
        "auditor.qualification",
        entity="user",
        entity_id=str(user.id),
        detail={
            "scheme": scheme,
            "may_lead": fields["may_lead"],
            "sector_codes": fields["sector_codes"],
            "status": status,
        },
    )
    return row


def declare_tie(work: ServerWork, user: User, values: Mapping[str, Any]) -> ImpartialityDeclaration:
    """What an auditor declared of a tie to a client: consultancy, employment or another."""
    kind = str(values.get("kind", "") or "")
    if kind not in TIE_KINDS:
        raise AuditorRecordError("kind", "Choose consultancy, employment or another tie.")
    try:
        org = work.session.get(Organisation, uuid.UUID(str(values.get("organisation_id", ""))))
    except ValueError:
        org = None
    if org is None:
        raise AuditorRecordError("organisation_id", "Choose the client.")
    started = _date(values, "started_on", required=False)
    ended = _date(values, "ended_on", required=False)
    if started and ended and ended < started:
        raise AuditorRecordError("ended_on", "The end comes after the start.")
    row = ImpartialityDeclaration(
        user_id=user.id,
        organisation_id=org.id,
        kind=kind,
        description=_text(values, "description", 2000, "Say what the tie is."),
        started_on=started,
        ended_on=ended,
    )
    work.session.add(row)
    work.session.flush()
    work.event(
        "auditor.declaration",
        entity="user",
        entity_id=str(user.id),
        detail={"organisation": str(org.id), "kind": kind},
    )
    return row


def record_objection(work: ServerWork, audit: Audit, values: Mapping[str, Any]) -> TeamObjection:
    """The client objects to a member of the planned team (ISO/IEC 17021-1 9.2.3)."""
    if not workflow.plan_open(audit.status):
        raise AuditorRecordError("user_id", "Objections are to the team of a planned audit.")
    member = next((m for m in audit.team if str(m.user_id) == values.get("user_id")), None)
    if member is None:
        raise AuditorRecordError("user_id", "Choose the member of the team objected to.")
    row = TeamObjection(
        audit_id=audit.id,
        user_id=member.user_id,
        raised_by=_text(values, "raised_by", 200, "Who at the client objects?"),
        reason=_text(values, "reason", 5000, "Give the client's reason."),
        received_on=_date(values, "received_on", required=True),
    )
    work.session.add(row)
    work.session.flush()
    work.event(
        "audit.team_objection",
        audit_id=audit.id,
        entity="user",
        entity_id=str(member.user_id),
        detail={"raised_by": row.raised_by},
    )
    return row


def answer_objection(
    work: ServerWork, objection: TeamObjection, audit: Audit, by: User, values: Mapping[str, Any]
) -> None:
    """Uphold (the member leaves the team) or reject the objection, with the reason."""
    if objection.outcome != "open":
        raise AuditorRecordError("outcome", "This objection is answered already.")
    outcome = str(values.get("outcome", "") or "")
    if outcome not in OUTCOMES:
        raise AuditorRecordError("outcome", "Uphold or reject the objection.")
    answer = _text(values, "answer", 5000, "Give the reason for the answer.")
    member = next((m for m in audit.team if m.user_id == objection.user_id), None)
    if outcome == "upheld" and member is not None:
        if member.role == TeamRole.LEAD:
            raise AuditorRecordError(
                "outcome",
                "The objection is to the lead auditor: plan the audit with another lead first.",
            )
        audit.team.remove(member)
        work.changed(audit, "audit", str(audit.id), content=False)
    objection.outcome = outcome
    objection.answer = answer
    objection.answered_by_id = by.id
    objection.answered_at = utcnow()
    work.event(
        "audit.team_objection_answer",
        audit_id=audit.id,
        entity="user",
        entity_id=str(objection.user_id),
        detail={
            "outcome": outcome,
            "scheme": [display_name(c.scheme) for c in audit.certifications],
        },
    )
