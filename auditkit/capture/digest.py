"""The audit's content as canonical JSON, and its sha256: what a signature covers.

The digest is versioned. Each sign-off stores the version it used, so a signature made before
the digest covered more (version 1 knew no audit activities, statements, clause details or
annotated photos) still verifies against exactly what it covered. Never change what an
existing version covers: add a version.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditkit.capture.closure_fields import CHOICE_FIELDS, SECTION_TEXTS, STATEMENT_TEXTS
from auditkit.models import (
    AuditActivity,
    AuditClosure,
    Finding,
    Interviewee,
    Meeting,
    Photo,
    Response,
    SampledRecord,
)

DIGEST_VERSION = 2
DIGEST_VERSIONS = (1, 2)


def audit_content(
    session: Session, audit_id: uuid.UUID, version: int = DIGEST_VERSION
) -> dict[str, Any]:
    """Everything the team recorded, ordered and typed so that equal content gives equal JSON."""
    if version not in DIGEST_VERSIONS:
        raise ValueError(f"unknown digest version {version}")
    content = _content_v1(session, audit_id)
    if version >= 2:
        content.update(_added_in_v2(session, audit_id))
    return content


def _content_v1(session: Session, audit_id: uuid.UUID) -> dict[str, Any]:

    def rows(model, order, *load):  # type: ignore[no-untyped-def]
        # Collections loaded in one query each, not one per row (800 for a 300-answer audit).
        query = select(model).where(model.audit_id == audit_id).order_by(*order)
        return session.scalars(query.options(*(selectinload(r) for r in load)))

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
            for r in rows(
                Response, [Response.item_key], Response.interviewees, Response.sampled_records
            )
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
            for f in rows(Finding, [Finding.local_number], Finding.clauses)
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
        "texts": {name: getattr(closure, name) for name in SECTION_TEXTS} if closure else {},
    }


def _added_in_v2(session: Session, audit_id: uuid.UUID) -> dict[str, Any]:
    closure = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit_id)).first()
    findings = session.scalars(
        select(Finding)
        .where(Finding.audit_id == audit_id, Finding.deleted_at.is_(None))
        .order_by(Finding.local_number)
        .options(selectinload(Finding.clauses))
    )
    photos = session.scalars(
        select(Photo)
        .where(Photo.audit_id == audit_id, Photo.deleted_at.is_(None))
        .order_by(Photo.sha256, Photo.id)
    )
    activities = session.scalars(
        select(AuditActivity)
        .where(AuditActivity.audit_id == audit_id)
        .order_by(AuditActivity.day, AuditActivity.id)
    )
    return {
        "digest_version": 2,
        "clause_details": {
            str(f.id): [c.detail for c in f.clauses]
            for f in findings
            if any(c.detail for c in f.clauses)
        },
        "annotated_photos": [
            [p.sha256, str(p.annotated_from_id)] for p in photos if p.annotated_from_id
        ],
        "statements": (
            {
                **{n: getattr(closure, n) or "" for n in STATEMENT_TEXTS},
                **{n: (v.value if (v := getattr(closure, n)) else None) for n in CHOICE_FIELDS},
            }
            if closure
            else {}
        ),
        "activities": [
            [
                a.day.isoformat(),
                str(a.auditor_id) if a.auditor_id else None,
                str(a.site_id) if a.site_id else None,
                a.mode.value,
                str(Decimal(a.hours).normalize()),
                a.activity,
                a.ict,
            ]
            for a in activities
        ],
    }


def content_digest(session: Session, audit_id: uuid.UUID, version: int = DIGEST_VERSION) -> str:
    content = audit_content(session, audit_id, version)
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
