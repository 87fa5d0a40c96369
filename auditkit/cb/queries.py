"""Reviewer queries on the CB: raise one on the audit, a finding or a checklist item; follow
up in its thread; close or reopen it (auditkit.review_queries holds the rules).

Every form posts back to the reviewer's view of the audit (auditkit.cb.evidence), which shows
the threads; a refused form comes back there with its text and the reason beside the field.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for

from auditkit import review_queries
from auditkit.access import Action
from auditkit.cb.auth import allowed, requires, server_work, visible
from auditkit.cb.evidence import evidence_page
from auditkit.models import Audit, ReviewComment
from auditkit.web.database import db_session

bp = Blueprint("queries", __name__, url_prefix="/audits/<uuid:audit_id>/queries")


def _audit(audit_id: uuid.UUID) -> Audit:
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    allowed(Action.REVIEW_AUDIT, audit)
    db_session().refresh(audit, with_for_update=True)  # one review move at a time
    return audit


def _query(audit: Audit, query_id: uuid.UUID) -> ReviewComment | None:
    found = db_session().get(ReviewComment, query_id)
    return found if found is not None and found.audit_id == audit.id else None


def _about(value: str) -> tuple[uuid.UUID | None, str | None]:
    """The form's "about": "audit", "finding:<id>" or "item:<item key>"."""
    kind, _, ref = value.partition(":")
    if kind == "finding":
        try:
            return uuid.UUID(ref), None
        except ValueError as exc:
            raise review_queries.QueryError("Choose what the query is about.", "about") from exc
    if kind == "item" and ref:
        return None, ref
    if value == "audit":
        return None, None
    raise review_queries.QueryError("Choose what the query is about.", "about")


def _refused(audit: Audit, exc: review_queries.QueryError, values: dict[str, str]):  # type: ignore[no-untyped-def]
    db_session().rollback()
    return evidence_page(audit, errors={exc.field: exc.message}, values=values, status=422)


def _back(audit: Audit, anchor: str = "queries"):  # type: ignore[no-untyped-def]
    return redirect(url_for("evidence.review_view", audit_id=audit.id) + f"#{anchor}")


@bp.post("")
@requires(Action.VIEW_DASHBOARD)
def raise_query(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Open a query; it reaches the team's laptops at their next sync."""
    audit = _audit(audit_id)
    values = {"about": request.form.get("about", ""), "body": request.form.get("body", "")}
    try:
        finding_id, item_key = _about(values["about"])
        query = review_queries.raise_query(
            server_work(), audit, values["body"], finding_id=finding_id, item_key=item_key
        )
    except review_queries.QueryError as exc:
        return _refused(audit, exc, values)
    db_session().commit()
    flash("The query is raised; the team sees it on their laptops after their next sync.")
    return _back(audit, f"query-{query.id}")


@bp.post("/<uuid:query_id>/replies")
@requires(Action.VIEW_DASHBOARD)
def reply(audit_id: uuid.UUID, query_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """A reviewer's follow-up in the query's thread."""
    audit = _audit(audit_id)
    field = f"reply-{query_id}"
    values = {field: request.form.get("body", "")}
    query = _query(audit, query_id)
    try:
        if query is None:
            raise review_queries.QueryError("That query is not in this audit.", field)
        review_queries.reply(server_work(), audit, query, values[field])
    except review_queries.QueryError as exc:
        exc.field = field
        return _refused(audit, exc, values)
    db_session().commit()
    return _back(audit, f"query-{query_id}")


@bp.post("/<uuid:query_id>/close")
@requires(Action.VIEW_DASHBOARD)
def close(audit_id: uuid.UUID, query_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Close the query: the answer (or the team's edit) settles it."""
    return _settle(audit_id, query_id, review_queries.close, "The query is closed.")


@bp.post("/<uuid:query_id>/reopen")
@requires(Action.VIEW_DASHBOARD)
def reopen(audit_id: uuid.UUID, query_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Open a closed query again."""
    return _settle(audit_id, query_id, review_queries.reopen, "The query is open again.")


def _settle(audit_id: uuid.UUID, query_id: uuid.UUID, move, done: str):  # type: ignore[no-untyped-def]
    audit = _audit(audit_id)
    query = _query(audit, query_id)
    try:
        if query is None:
            raise review_queries.QueryError("That query is not in this audit.", "query")
        move(server_work(), audit, query)
    except review_queries.QueryError as exc:
        exc.field = f"query-{query_id}"
        return _refused(audit, exc, {})
    db_session().commit()
    flash(done)
    return _back(audit, f"query-{query_id}")
