"""Answering the CB reviewer's queries from the laptop (auditkit.capture.queries)."""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, request, url_for

from auditkit.capture import Invalid, ReadOnly
from auditkit.capture.queries import answer_query
from auditkit.field.audits import workspace_page
from auditkit.field.context import load_workspace
from auditkit.web.database import db_session

bp = Blueprint("review_answers", __name__, url_prefix="/audits/<uuid:audit_id>/queries")


@bp.post("/<uuid:query_id>/answer")
def answer(audit_id: uuid.UUID, query_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Queue the answer to a query; it reaches the reviewer at the next sync."""
    ws = load_workspace(audit_id)
    field = f"answer-{query_id}"
    text = request.form.get("body", "")
    try:
        answer_query(ws, query_id, text)
    except Invalid as exc:
        db_session().rollback()
        return workspace_page(ws, errors=exc.errors, values={field: text}, status=422)
    except ReadOnly as exc:
        db_session().rollback()
        return workspace_page(ws, errors={field: str(exc)}, values={field: text}, status=409)
    db_session().commit()
    return redirect(url_for("audits.show", audit_id=audit_id) + f"#query-{query_id}")
