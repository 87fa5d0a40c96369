"""Rows as they travel: natural keys instead of local ids, so any laptop can place them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from auditkit.capture.closure_fields import CHOICE_FIELDS as CLOSURE_CHOICES
from auditkit.capture.closure_fields import TEXT_FIELDS as CLOSURE_TEXTS
from auditkit.models import (
    AuditActivity,
    AuditClosure,
    Finding,
    Interviewee,
    Meeting,
    Photo,
    Response,
    ReviewComment,
    SampledRecord,
)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ids(rows: list[Any]) -> list[str]:
    return sorted(str(r.id) for r in rows)


def response_row(r: Response) -> dict[str, Any]:
    return {
        "item_key": r.item_key,
        "verdict": r.verdict.value if r.verdict else None,
        "notes": r.notes or "",
        "justification": r.justification or "",
        "documents": list(r.documents or []),
        "interviewee_ids": _ids(r.interviewees),
        "sampled_record_ids": _ids(r.sampled_records),
        "answered_by_id": str(r.answered_by_id) if r.answered_by_id else None,
        "version": r.version,
    }


def finding_row(f: Finding) -> dict[str, Any]:
    return {
        "id": str(f.id),
        "local_number": f.local_number,
        "number": f.number,
        "grade": f.grade.value,
        "requirement": f.requirement or "",
        "objective_evidence": f.objective_evidence or "",
        "statement": f.statement or "",
        "extent": f.extent or "",
        "site_id": str(f.site_id) if f.site_id else None,
        "process": f.process or "",
        "clause_refs": [[c.checklist_id, c.clause_number, c.detail or ""] for c in f.clauses],
        "interviewee_ids": _ids(f.interviewees),
        "sampled_record_ids": _ids(f.sampled_records),
        "item_keys": [r.item_key for r in f.responses],
        "created_by_id": str(f.created_by_id) if f.created_by_id else None,
        "deleted": f.deleted_at is not None,
        "version": f.version,
    }


def photo_row(p: Photo, item_key: str | None) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "sha256": p.sha256,
        "size": p.size,
        "width": p.width,
        "height": p.height,
        "taken_at": _iso(p.taken_at),
        "caption": p.caption or "",
        "item_key": item_key,
        "finding_id": str(p.finding_id) if p.finding_id else None,
        "annotated_from_id": str(p.annotated_from_id) if p.annotated_from_id else None,
        "created_by_id": str(p.created_by_id) if p.created_by_id else None,
        "deleted": p.deleted_at is not None,
        "version": p.version,
    }


def interviewee_row(i: Interviewee) -> dict[str, Any]:
    return {
        "id": str(i.id),
        "name": i.name,
        "job_role": i.job_role or "",
        "department": i.department or "",
        "version": i.version,
    }


def sampled_record_row(s: SampledRecord) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "reference": s.reference,
        "record_type": s.record_type or "",
        "record_date": _iso(s.record_date),
        "reason": s.reason or "",
        "version": s.version,
    }


def meeting_row(m: Meeting) -> dict[str, Any]:
    return {
        "kind": m.kind.value,
        "held_at": _iso(m.held_at),
        "attendees": list(m.attendees or []),
        "notes": m.notes or "",
        "version": m.version,
    }


def closure_row(c: AuditClosure) -> dict[str, Any]:
    return {
        "recommendation": c.recommendation.value if c.recommendation else None,
        **{name: getattr(c, name) or "" for name in CLOSURE_TEXTS},
        **{name: (v.value if (v := getattr(c, name)) else None) for name in CLOSURE_CHOICES},
        "signed_by_id": str(c.signed_by_id) if c.signed_by_id else None,
        "signed_at": _iso(c.signed_at),
        "signed_content_sha256": c.signed_content_sha256,
        "digest_version": c.digest_version or 1,
        "auditee_name": c.auditee_name or "",
        "auditee_acknowledged_at": _iso(c.auditee_acknowledged_at),
        "version": c.version,
    }


def activity_row(a: AuditActivity) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "auditor_id": str(a.auditor_id) if a.auditor_id else None,
        "day": _iso(a.day),
        "site_id": str(a.site_id) if a.site_id else None,
        "mode": a.mode.value,
        "hours": str(a.hours),
        "activity": a.activity or "",
        "ict": a.ict or "",
        "version": a.version,
    }


def review_comment_row(c: ReviewComment, author_name: str) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "body": c.body,
        "author": author_name,
        "finding_id": str(c.finding_id) if c.finding_id else None,
        "created_at": _iso(c.created_at),
        "resolved_at": _iso(c.resolved_at),
        "version": c.version,
    }
