"""What the sync page shows of each refused change: what it was, why, and both values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import labels
from auditkit.capture.closure_fields import TEXT_LABELS
from auditkit.field.sync_conflicts import KEYS, can_keep_mine
from auditkit.models import (
    Audit,
    Finding,
    Grade,
    Interviewee,
    Photo,
    Recommendation,
    SampledRecord,
    Site,
    SyncRejection,
    Verdict,
)
from sync import protocol

FIELD_LABELS = {
    "verdict": "Verdict",
    "notes": "Notes",
    "justification": "Why not applicable",
    "documents": "Documents seen",
    "interviewee_ids": "People interviewed",
    "sampled_record_ids": "Records sampled",
    "grade": "Grade",
    "requirement": "Requirement",
    "objective_evidence": "Objective evidence",
    "statement": "Statement",
    "extent": "Extent",
    "site_id": "Site",
    "process": "Process",
    "clause_refs": "Clauses",
    "item_keys": "Checklist items",
    "held_at": "Held at",
    "attendees": "Attendees",
    "recommendation": "Recommendation",
    "caption": "Caption",
    "name": "Name",
    "job_role": "Job role",
    "department": "Department",
    "reference": "Reference",
    "record_type": "Record type",
    "record_date": "Record date",
    "reason": "Why sampled",
    "deleted": "Deleted",
    **TEXT_LABELS,
}


@dataclass(frozen=True)
class FieldValues:
    """One field of a conflict, as read: mine (this laptop's) and theirs (the server's)."""

    label: str
    mine: str
    theirs: str

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


@dataclass(frozen=True)
class RejectionView:
    rejection: SyncRejection
    audit: Audit | None
    what: str
    subject: str
    code_label: str
    fields: list[FieldValues]
    can_keep_mine: bool
    link: tuple[str, dict[str, Any]] | None  # endpoint and values for url_for


def rejection_views(session: Session, rejections: list[SyncRejection]) -> list[RejectionView]:
    names = _id_names(session, {r.audit_id for r in rejections})
    views = []
    for rejection in rejections:
        subject, link = _subject(session, rejection)
        views.append(
            RejectionView(
                rejection=rejection,
                audit=session.get(Audit, rejection.audit_id),
                what=labels.mutation_label(rejection.name),
                subject=subject,
                code_label=labels.REFUSAL_LABELS.get(rejection.code, rejection.code),
                fields=_compared(rejection, names) if rejection.code == protocol.CONFLICT else [],
                can_keep_mine=can_keep_mine(rejection),
                link=link,
            )
        )
    return views


def _compared(rejection: SyncRejection, names: dict[str, str]) -> list[FieldValues]:
    """Each field my refused change set, with the server's value beside it."""
    theirs = rejection.server_row or {}
    fields = [
        FieldValues(
            FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
            shown(name, mine, names),
            shown(name, theirs.get(name), names),
        )
        for name, mine in (rejection.payload or {}).items()
        if name not in KEYS
    ]
    if theirs.get("deleted"):
        fields.append(FieldValues("Deleted", "no", "yes"))
    return fields


def _subject(
    session: Session, rejection: SyncRejection
) -> tuple[str, tuple[str, dict[str, Any]] | None]:
    """Which record the change was about, and where it lives in the app."""
    kind = rejection.name.split(".")[0]
    audit = {"audit_id": rejection.audit_id}
    payload = rejection.payload or {}
    row_id = _uuid(rejection.entity_id)
    if kind == "answer":
        return f"checklist item {payload.get('item_key') or rejection.entity_id}", None
    if kind == "finding":
        finding = session.get(Finding, row_id) if row_id else None
        if finding is None:
            return "a finding", None
        number = finding.number or f"P{finding.local_number}"
        if finding.deleted_at is not None:
            return f"finding {number} (deleted)", None
        return f"finding {number}", ("findings.edit", {**audit, "finding_id": finding.id})
    if kind == "meeting":
        meeting = str(payload.get("kind", ""))
        return f"{meeting} meeting", ("meetings.edit", {**audit, "kind": meeting})
    if kind == "query":
        return "a reviewer's query", ("audits.show", audit)
    if kind in ("closure", "audit"):
        return "", ("closing.show", audit)
    if kind == "photo":
        photo = session.get(Photo, row_id) if row_id else None
        return (f"photo “{photo.caption}”" if photo and photo.caption else "a photo"), None
    if kind in ("interviewee", "sampled_record"):
        model = Interviewee if kind == "interviewee" else SampledRecord
        row = session.get(model, row_id) if row_id else None
        label = payload.get("name") or payload.get("reference")
        if row is not None:
            label = row.name if isinstance(row, Interviewee) else row.reference
        return str(label or ""), ("registers.index", audit)
    return "", None


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _id_names(session: Session, audit_ids: set[uuid.UUID]) -> dict[str, str]:
    """Readable names for the ids a conflict may show: people, records and sites."""
    names: dict[str, str] = {}
    if not audit_ids:
        return names
    for person in session.scalars(select(Interviewee).where(Interviewee.audit_id.in_(audit_ids))):
        names[str(person.id)] = person.name
    for record in session.scalars(
        select(SampledRecord).where(SampledRecord.audit_id.in_(audit_ids))
    ):
        names[str(record.id)] = record.reference
    for site in session.scalars(select(Site)):
        names[str(site.id)] = site.name
    return names


ENUM_LABELS: dict[str, tuple[Any, dict[Any, str]]] = {
    "verdict": (Verdict, labels.VERDICT_LABELS),
    "grade": (Grade, labels.GRADE_LABELS),
    "recommendation": (Recommendation, labels.RECOMMENDATION_LABELS),
}


def shown(name: str, value: Any, names: dict[str, str]) -> str:
    """A field's wire value as an auditor reads it ("" for empty)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in ENUM_LABELS:
        enum, texts = ENUM_LABELS[name]
        try:
            return texts[enum(value)]
        except (ValueError, KeyError):
            return str(value)
    if name == "held_at":
        try:
            return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(value)
    if name == "attendees" and isinstance(value, list):
        return "; ".join(
            f"{a.get('name', '')}, {a['role']}" if a.get("role") else str(a.get("name", ""))
            for a in value
            if isinstance(a, dict)
        )
    if name == "clause_refs" and isinstance(value, list):
        return ", ".join(" ".join(str(part) for part in ref) for ref in value)
    if name.endswith("_ids") and isinstance(value, list):
        return ", ".join(names.get(str(i), str(i)[:8]) for i in value)
    if name == "site_id":
        return names.get(str(value), str(value)[:8])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
