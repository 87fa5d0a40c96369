"""Pages of changes since a laptop's cursor, for the audits its auditor is on."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from auditkit.access import syncable_audit_ids
from auditkit.corrective_actions.deadlines import capa_deadlines
from auditkit.models import (
    Audit,
    AuditActivity,
    AuditClosure,
    CorrectiveAction,
    Finding,
    Interviewee,
    Meeting,
    MeetingKind,
    Photo,
    Response,
    ReviewComment,
    SampledRecord,
    SyncChange,
    TeamRole,
    User,
)
from auditkit.planning.carry_over import open_nonconformities
from sync import protocol, schema
from sync.engine import rows


def page(
    session: Session,
    user: User,
    cursor: int,
    known_audits: set[uuid.UUID],
    known_checklists: set[str],
    client_schema: int = protocol.SCHEMA_VERSION,
) -> dict[str, Any]:
    """New audits in full, then changed rows of known audits after the cursor, in pages."""
    mine = set(session.scalars(syncable_audit_ids(user)))
    # Versions first, head second: a change landing in between makes the laptop's view look
    # older than it is (submit asks for one more sync), never newer.
    versions = dict(
        session.execute(select(Audit.id, Audit.content_version).where(Audit.id.in_(mine))).all()
    )
    head = session.scalar(select(SyncChange.seq).order_by(SyncChange.seq.desc()).limit(1)) or 0
    audits: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for audit_id in sorted(mine - known_audits):
        audit = session.get(Audit, audit_id)
        audits.append(audit_header(audit, known_checklists))
        changes.extend(snapshot(session, audit_id))
    page = session.scalars(
        select(SyncChange)
        .where(
            SyncChange.seq > cursor,
            SyncChange.seq <= head,
            SyncChange.audit_id.in_(mine & known_audits),
        )
        .order_by(SyncChange.seq)
        .limit(protocol.PULL_PAGE_SIZE)
    ).all()
    more = len(page) == protocol.PULL_PAGE_SIZE
    next_cursor = page[-1].seq if more else head
    seen: set[tuple[str, str, str]] = set()
    for change in page:
        key = (str(change.audit_id), change.entity, change.entity_id)
        if key in seen:
            continue
        seen.add(key)
        if change.entity == "audit":
            audits.append(audit_header(session.get(Audit, change.audit_id), known_checklists))
        else:
            changes.append(current_row(session, change.audit_id, change.entity, change.entity_id))
    if client_schema < protocol.SCHEMA_VERSION:
        changes = [c for c in (schema.downcast_change(c, client_schema) for c in changes) if c]
    return {
        "cursor": next_cursor,
        "more": more,
        "audit_ids": sorted(str(a) for a in mine),
        # What the laptop has seen once it applied the last page (more = false).
        "content_versions": {str(k): v for k, v in versions.items()},
        "audits": audits,
        "changes": changes,
    }


def audit_header(audit: Audit, known_checklists: set[str]) -> dict[str, Any]:
    org = audit.organisation
    return {
        "id": str(audit.id),
        "number": audit.number,
        "status": audit.status.value,
        "status_version": audit.status_version,
        "round": audit.round,
        "content_version": audit.content_version,
        "audit_type": audit.audit_type.value,
        "start_date": audit.start_date.isoformat(),
        "end_date": audit.end_date.isoformat(),
        "objectives": audit.objectives,
        "scope": audit.scope,
        "criteria": audit.criteria,
        "planned_days": str(audit.planned_days) if audit.planned_days is not None else None,
        "remote_use": audit.remote_use,
        "language": audit.language,
        "vca_level": audit.vca_level,
        "organisation": {
            "id": str(org.id),
            "name": org.name,
            "legal_name": org.legal_name,
            "address": org.address,
            "city": org.city,
            "country": org.country,
        },
        "sites": [
            {
                "id": str(s.id),
                "name": s.name,
                "address": s.address,
                "city": s.city,
                "country": s.country,
                "activities": s.activities,
                "is_headquarters": s.is_headquarters,
            }
            for s in org.sites
        ],
        "audit_site_ids": [str(s.id) for s in audit.sites],
        # The plan per day, site and auditor, and the open nonconformities of earlier audits
        # of the same certifications, for the team to verify on site.
        "schedule": audit.schedule,
        "carried_over": open_nonconformities(object_session(audit), audit),
        "capa_deadlines": capa_deadlines(object_session(audit), audit),
        "clauses_to_cover": {
            k: v for k, v in audit.plan_working.get("clauses", {}).items() if k in ("whole", "keys")
        },
        "contacts": [
            {
                "id": str(c.id),
                "name": c.name,
                "job_title": c.job_title,
                "email": c.email,
                "phone": c.phone,
                "is_management_representative": c.is_management_representative,
            }
            for c in org.contacts
        ],
        "team": [
            {
                "id": str(m.id),
                "user_id": str(m.user_id),
                "username": m.user.username,
                "full_name": m.user.full_name,
                # Laptops know no trainee role: a trainee works there as an observer does.
                "role": (TeamRole.OBSERVER if m.role == TeamRole.TRAINEE else m.role).value,
            }
            for m in audit.team
        ],
        "checklists": [
            {
                "checklist_id": c.checklist_id,
                "standard": c.standard,
                "edition": c.edition,
                "version": c.checklist_version,
                "sha256": c.content_sha256,
                "position": c.position,
                "content": None if c.content_sha256 in known_checklists else c.content,
            }
            for c in audit.checklists
        ],
    }


def snapshot(session: Session, audit_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every row of an audit, for a laptop that has not seen the audit yet."""
    found: list[dict[str, Any]] = []
    registers = (
        (Interviewee, "interviewee"),
        (SampledRecord, "sampled_record"),
        (AuditActivity, "activity"),
    )
    for model, entity in registers:
        for row in session.scalars(select(model).where(model.audit_id == audit_id)):
            found.append(current_row(session, audit_id, entity, str(row.id)))
    for r in session.scalars(select(Response.item_key).where(Response.audit_id == audit_id)):
        found.append(current_row(session, audit_id, "response", r))
    for f in session.scalars(select(Finding.id).where(Finding.audit_id == audit_id)):
        found.append(current_row(session, audit_id, "finding", str(f)))
    for p in session.scalars(select(Photo.id).where(Photo.audit_id == audit_id)):
        found.append(current_row(session, audit_id, "photo", str(p)))
    for m in session.scalars(select(Meeting.kind).where(Meeting.audit_id == audit_id)):
        found.append(current_row(session, audit_id, "meeting", m.value))
    comments = (  # a thread before its replies: a reply names its query
        select(ReviewComment.id)
        .where(ReviewComment.audit_id == audit_id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    )
    for c in session.scalars(comments):
        found.append(current_row(session, audit_id, "review_comment", str(c)))
    capas = select(CorrectiveAction.id).where(CorrectiveAction.audit_id == audit_id)
    for ca in session.scalars(capas.order_by(CorrectiveAction.id)):
        found.append(current_row(session, audit_id, "corrective_action", str(ca)))
    if session.scalars(select(AuditClosure.id).where(AuditClosure.audit_id == audit_id)).first():
        found.append(current_row(session, audit_id, "closure", str(audit_id)))
    return found


def current_row(session: Session, audit_id: uuid.UUID, entity: str, key: str) -> dict[str, Any]:
    """The row as it is now (or a deletion), whatever the change that named it."""
    data: dict[str, Any] | None = None
    if entity == "response":
        row = session.scalars(
            select(Response).where(Response.audit_id == audit_id, Response.item_key == key)
        ).first()
        data = rows.response_row(row) if row else None
    elif entity == "finding":
        row = session.get(Finding, uuid.UUID(key))
        data = rows.finding_row(row) if row else None
    elif entity == "photo":
        row = session.get(Photo, uuid.UUID(key))
        if row is not None:
            response = session.get(Response, row.response_id) if row.response_id else None
            data = rows.photo_row(row, response.item_key if response else None)
    elif entity == "interviewee":
        row = session.get(Interviewee, uuid.UUID(key))
        data = rows.interviewee_row(row) if row else None
    elif entity == "sampled_record":
        row = session.get(SampledRecord, uuid.UUID(key))
        data = rows.sampled_record_row(row) if row else None
    elif entity == "activity":
        row = session.get(AuditActivity, uuid.UUID(key))
        data = rows.activity_row(row) if row else None
    elif entity == "meeting":
        row = session.scalars(
            select(Meeting).where(Meeting.audit_id == audit_id, Meeting.kind == MeetingKind(key))
        ).first()
        data = rows.meeting_row(row) if row else None
    elif entity == "review_comment":
        row = session.get(ReviewComment, uuid.UUID(key))
        if row is not None:
            author = session.get(User, row.author_id)
            data = rows.review_comment_row(row, author.full_name if author else "")
    elif entity == "closure":
        row = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit_id)).first()
        data = rows.closure_row(row) if row else None
    elif entity == "corrective_action":
        row = session.get(CorrectiveAction, uuid.UUID(key))
        # Nothing before the client's first submission: a draft is the client's alone.
        data = rows.corrective_action_row(row) if row and row.submitted_revision else None
    return {"audit_id": str(audit_id), "entity": entity, "key": key, "data": data}
