"""Technical review of a submitted audit: return it to the team, or accept it."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from auditkit.cb.auth import roles_required
from auditkit.models import Audit, AuditStatus, ReviewComment, Role, SyncChange
from auditkit.web.database import db_session
from sync.server.apply import change_status

bp = Blueprint("review", __name__, url_prefix="/audits/<uuid:audit_id>")


def _audit(audit_id: uuid.UUID) -> Audit:
    audit = db_session().get(Audit, audit_id, with_for_update=True)
    if audit is None:
        abort(404, description="There is no audit with that id.")
    return audit


@bp.post("/return")
@roles_required(Role.REVIEWER, Role.ADMIN)
def return_to_team(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Send a submitted audit back to the team with the reviewer's reasons."""
    audit = _audit(audit_id)
    reason = request.form.get("reason", "").strip()
    if audit.status != AuditStatus.SUBMITTED:
        flash("Only a submitted audit can be returned.", "error")
    elif not reason:
        flash("Say what the team should look at again.", "error")
    else:
        audit.round += 1
        change_status(db_session(), audit, AuditStatus.RETURNED)
        comment = ReviewComment(
            audit_id=audit.id,
            author_id=g.user.id,
            author_name=g.user.full_name,
            body=reason,
            version=1,
        )
        db_session().add(comment)
        db_session().flush()
        db_session().add(
            SyncChange(
                audit_id=audit.id,
                entity="review_comment",
                entity_id=str(comment.id),
                content_version=audit.content_version,
            )
        )
        db_session().commit()
        flash("The audit is returned to the team; their laptops can edit it again after a sync.")
    return redirect(url_for("planning.audit", audit_id=audit_id))


@bp.post("/accept")
@roles_required(Role.REVIEWER, Role.ADMIN)
def accept(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Accept a submitted audit after technical review."""
    audit = _audit(audit_id)
    if audit.status != AuditStatus.SUBMITTED:
        flash("Only a submitted audit can be accepted.", "error")
    else:
        change_status(db_session(), audit, AuditStatus.ACCEPTED)
        db_session().commit()
        flash("The audit is accepted.")
    return redirect(url_for("planning.audit", audit_id=audit_id))
