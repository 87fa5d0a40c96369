"""The audit's content as canonical JSON, and its sha256: what a signature covers."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.capture.closure_fields import TEXT_FIELDS
from auditkit.models import (
    AuditClosure,
    Finding,
    Interviewee,
    Meeting,
    Photo,
    Response,
    SampledRecord,
)


def audit_content(session: Session, audit_id: uuid.UUID) -> dict[str, Any]:
    """Everything the team recorded, ordered and typed so that equal content gives equal JSON."""

    def rows(model, order):  # type: ignore[no-untyped-def]
        return session.scalars(select(model).where(model.audit_id == audit_id).order_by(*order))

    closure = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit_id)).first()
    return {
        "answers": [
            {
                "item": r.item_key,
                "verdict": r.verdict.value if r.verdict else None,
                "notes": r.notes,
                "justification": r.justification,
                "documents": r.documents,
                "interviewees": sorted(str(i.id) for i in r.interviewees),
                "records": sorted(str(s.id) for s in r.sampled_records),
            }
            for r in rows(Response, [Response.item_key])
        ],
        "findings": [
            {
                "id": str(f.id),
                "number": f.local_number,
                "grade": f.grade.value,
                "clauses": [[c.checklist_id, c.clause_number] for c in f.clauses],
                "requirement": f.requirement,
                "evidence": f.objective_evidence,
                "statement": f.statement,
                "extent": f.extent,
                "site": str(f.site_id) if f.site_id else None,
                "process": f.process,
            }
            for f in rows(Finding, [Finding.local_number])
            if f.deleted_at is None
        ],
        "photos": [
            [p.sha256, p.caption, str(p.response_id or ""), str(p.finding_id or "")]
            for p in rows(Photo, [Photo.sha256, Photo.id])
            if p.deleted_at is None
        ],
        "meetings": [
            {
                "kind": m.kind.value,
                "held_at": m.held_at.isoformat() if m.held_at else None,
                "attendees": m.attendees,
                "notes": m.notes,
            }
            for m in rows(Meeting, [Meeting.kind])
        ],
        "interviewees": [
            [i.name, i.job_role, i.department] for i in rows(Interviewee, [Interviewee.id])
        ],
        "records": [
            [
                s.reference,
                s.record_type,
                s.record_date.isoformat() if s.record_date else None,
                s.reason,
            ]
            for s in rows(SampledRecord, [SampledRecord.id])
        ],
        "recommendation": closure.recommendation.value
        if closure and closure.recommendation
        else None,
        "texts": {name: getattr(closure, name) for name in TEXT_FIELDS} if closure else {},
    }


def content_digest(session: Session, audit_id: uuid.UUID) -> str:
    payload = json.dumps(audit_content(session, audit_id), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
