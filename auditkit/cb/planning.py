"""Planning views: the audits and client organisations the CB manages."""

from __future__ import annotations

import uuid

from flask import Blueprint, g, render_template

from auditkit import access
from auditkit.access import Action
from auditkit.cb.auth import requires, visible
from auditkit.cb.sync_activity import sync_activity
from auditkit.models import Audit, Organisation
from auditkit.web.database import db_session

bp = Blueprint("planning", __name__)


@bp.get("/")
@requires(Action.VIEW_DASHBOARD)
def dashboard():  # type: ignore[no-untyped-def]
    """The audits and clients this person may see, newest audits first."""
    session = db_session()
    audits = session.scalars(access.visible_audits(g.user)).all()
    organisations = session.scalars(access.visible_organisations(g.user)).all()
    return render_template("cb/dashboard.html", audits=audits, organisations=organisations)


@bp.get("/organisations/<uuid:organisation_id>")
@requires(Action.VIEW_DASHBOARD)
def organisation(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One client: sites, contacts and the audits this person may see."""
    org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
    audits = [a for a in org.audits if access.can(g.user, Action.VIEW_AUDIT, a)]
    return render_template("cb/organisation.html", organisation=org, audits=audits)


@bp.get("/audits/<uuid:audit_id>")
@requires(Action.VIEW_DASHBOARD)
def audit(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One audit: plan, sites, team, pinned checklists and (for reviewers) what laptops sent."""
    return audit_page(visible(Audit, audit_id, Action.VIEW_AUDIT))


def audit_page(found: Audit, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    """The audit's page; a review form that was refused comes back with its text and errors."""
    activity = (
        sync_activity(db_session(), found.id)
        if access.can(g.user, Action.VIEW_SYNC_ACTIVITY, found)
        else None
    )
    return render_template(
        "cb/audit.html",
        audit=found,
        activity=activity,
        errors=errors or {},
        values=values or {},
    ), status
