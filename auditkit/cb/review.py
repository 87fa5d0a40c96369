"""Technical review of a submitted audit: return it to the team, or accept it."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for

from auditkit import review_queries, workflow
from auditkit.access import Action
from auditkit.cb.auth import allowed, requires, server_work, visible
from auditkit.cb.planning import audit_page
from auditkit.models import Audit
from auditkit.web.database import db_session

bp = Blueprint("review", __name__, url_prefix="/audits/<uuid:audit_id>")
REASON_LIMIT = 5000


def _audit(audit_id: uuid.UUID) -> Audit:
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    allowed(Action.REVIEW_AUDIT, audit)
    db_session().refresh(audit, with_for_update=True)  # one review move at a time
    return audit


@bp.post("/return")
@requires(Action.VIEW_DASHBOARD)
def return_to_team(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Send a submitted audit back to the team with the reviewer's reasons."""
    audit = _audit(audit_id)
    reason = request.form.get("reason", "").replace("\r\n", "\n").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say what the team should look at again."
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = f"Keep the reasons under {REASON_LIMIT} characters."
    work = server_work()
    if not errors:
        try:
            work.move(audit, "return", reason=reason)
        except workflow.MoveRefused as exc:
            errors["review"] = exc.message
    if errors:
        db_session().rollback()
        return audit_page(audit, errors=errors, values={"reason": reason}, status=422)
    audit.round += 1
    review_queries.add_return_reasons(work, audit, reason)
    db_session().commit()
    flash("The audit is returned to the team; their laptops can edit it again after a sync.")
    return redirect(url_for("planning.audit", audit_id=audit_id))


@bp.post("/accept")
@requires(Action.VIEW_DASHBOARD)
def accept(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Accept a submitted audit after technical review."""
    audit = _audit(audit_id)
    try:
        review_queries.check_can_accept(db_session(), audit)
        server_work().move(audit, "accept")
    except review_queries.QueryError as exc:
        db_session().rollback()
        return audit_page(audit, errors={"review": exc.message}, status=409)
    except workflow.MoveRefused as exc:
        db_session().rollback()
        return audit_page(audit, errors={"review": exc.message}, status=409)
    db_session().commit()
    flash("The audit is accepted.")
    return redirect(url_for("planning.audit", audit_id=audit_id))
