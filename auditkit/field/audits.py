"""My audits, and each audit's workspace overview."""

from __future__ import annotations

import uuid
from collections import Counter

from flask import Blueprint, render_template
from sqlalchemy import func, select

from auditkit import queries, review_queries
from auditkit.capture.findings import active_findings
from auditkit.field.context import checklist_tree, laptop_identity, load_workspace
from auditkit.field.items import answered_keys, pages, progress
from auditkit.models import Finding, OutboxEntry, Photo, Response
from auditkit.reports.sections import vca_results
from auditkit.web.database import db_session

bp = Blueprint("audits", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """List this laptop's audits with progress, findings, photos and unsynced changes."""
    session = db_session()
    identity = laptop_identity()
    audits = session.scalars(queries.audits_for_user(identity.user_id)).all() if identity else []
    ids = [a.id for a in audits]
    answered = _count_by_audit(
        select(Response.audit_id, func.count()).where(Response.verdict.is_not(None)), ids
    )
    photos = _count_by_audit(
        select(Photo.audit_id, func.count()).where(Photo.deleted_at.is_(None)), ids
    )
    pending = _count_by_audit(select(OutboxEntry.audit_id, func.count()), ids)
    grades: dict[uuid.UUID, Counter[str]] = {a: Counter() for a in ids}
    for audit_id, grade, count in session.execute(
        select(Finding.audit_id, Finding.grade, func.count())
        .where(Finding.audit_id.in_(ids), Finding.deleted_at.is_(None))
        .group_by(Finding.audit_id, Finding.grade)
    ):
        grades[audit_id][grade.value] = count
    totals = {a.id: sum(1 for _ in checklist_tree(a).iter_questions()) for a in audits}
    return render_template(
        "field/audits.html",
        identity=identity,
        audits=audits,
        answered=answered,
        totals=totals,
        photos=photos,
        pending=pending,
        grades=grades,
    )


def _count_by_audit(query, ids):  # type: ignore[no-untyped-def]
    column = query.selected_columns[0]
    return dict(db_session().execute(query.where(column.in_(ids)).group_by(column)).all())


@bp.get("/audits/<uuid:audit_id>")
def show(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit's workspace: plan summary, progress per clause, findings by grade."""
    return workspace_page(load_workspace(audit_id))


def workspace_page(ws, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    """The workspace; a refused answer to a query comes back with its text and the reason."""
    audit_id = ws.audit.id
    tree = checklist_tree(ws.audit)
    answered = answered_keys(ws.session, audit_id)
    sections = [(node, *progress(node, answered)) for node in pages(tree)]
    findings = ws.session.scalars(active_findings(audit_id)).all()
    by_grade = Counter(f.grade.value for f in findings)
    return render_template(
        "field/workspace.html",
        audit=ws.audit,
        sections=sections,
        answered=len(answered),
        total=sum(t for _, _, t in sections),
        by_grade=by_grade,
        closure=ws.closure(),
        vca=vca_results(ws.session, ws.audit),
        threads=review_queries.threads(ws.session, ws.audit),
        pending_answers=set(
            ws.session.scalars(
                select(OutboxEntry.entity_id).where(
                    OutboxEntry.audit_id == audit_id, OutboxEntry.name == "query.answer.v1"
                )
            )
        ),
        errors=errors or {},
        values=values or {},
    ), status
