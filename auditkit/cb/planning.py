"""Planning views: the audits and client organisations the CB manages."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template
from sqlalchemy.orm import selectinload

from auditkit import queries
from auditkit.cb.auth import STAFF_ROLES, roles_required
from auditkit.cb.sync_activity import sync_activity
from auditkit.models import Audit, Organisation
from auditkit.web.database import db_session

bp = Blueprint("planning", __name__)


@bp.get("/")
@roles_required(*STAFF_ROLES)
def dashboard():  # type: ignore[no-untyped-def]
    """Audits, newest first, with organisations below."""
    session = db_session()
    audits = session.scalars(queries.all_audits()).all()
    organisations = session.scalars(queries.organisations()).all()
    return render_template("cb/dashboard.html", audits=audits, organisations=organisations)


@bp.get("/organisations/<uuid:organisation_id>")
@roles_required(*STAFF_ROLES)
def organisation(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One client: sites, contacts and audits."""
    org = db_session().get(
        Organisation,
        organisation_id,
        options=[selectinload(Organisation.sites), selectinload(Organisation.contacts)],
    )
    if org is None:
        abort(404, description="There is no organisation with that id.")
    return render_template("cb/organisation.html", organisation=org)


@bp.get("/audits/<uuid:audit_id>")
@roles_required(*STAFF_ROLES)
def audit(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One audit: plan, sites, team, pinned checklists and what its laptops sent."""
    session = db_session()
    found = session.get(Audit, audit_id)
    if found is None:
        abort(404, description="There is no audit with that id.")
    return render_template("cb/audit.html", audit=found, activity=sync_activity(session, found.id))
