"""My audits: the audits assigned to this laptop's auditor."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from auditkit import queries
from auditkit.models import Audit, LaptopIdentity, Response
from auditkit.web.database import db_session

bp = Blueprint("audits", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """List this laptop's audits with their progress."""
    session = db_session()
    identity = session.scalars(select(LaptopIdentity)).first()
    audits = []
    if identity is not None:
        audits = session.scalars(queries.audits_for_user(identity.user_id)).all()
    answered = dict(
        session.execute(
            select(Response.audit_id, func.count())
            .where(Response.verdict.is_not(None))
            .group_by(Response.audit_id)
        ).all()
    )
    return render_template("field/audits.html", identity=identity, audits=audits, answered=answered)


@bp.get("/audits/<uuid:audit_id>")
def show(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit's plan summary."""
    audit = db_session().get(Audit, audit_id)
    if audit is None:
        abort(404, description="There is no audit with that id on this laptop.")
    return render_template("field/audit.html", audit=audit)
