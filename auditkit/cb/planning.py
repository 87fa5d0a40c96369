"""Planning views: the audits and client organisations the CB manages."""

from __future__ import annotations

import uuid

from flask import Blueprint, g, render_template, request

from auditkit import access, releases, review_queries
from auditkit.access import Action
from auditkit.cb import evidence
from auditkit.cb.auth import requires, visible
from auditkit.cb.sync_activity import sync_activity
from auditkit.models import Audit, AuditStatus, Organisation
from auditkit.pagination import paginate
from auditkit.portal import records
from auditkit.web.database import db_session

bp = Blueprint("planning", __name__)


@bp.get("/")
@requires(Action.VIEW_DASHBOARD)
def dashboard():  # type: ignore[no-untyped-def]
    """The audits and clients this person may see, a page of each: audits newest first
    (?audits_page=, ?status= filters them), clients by name (?clients_page=, ?q= searches
    their names)."""
    session = db_session()
    status = _status_filter(request.args.get("status"))
    audits_query = access.visible_audits(g.user)
    if status is not None:
        audits_query = audits_query.where(Audit.status == status)
    search = request.args.get("q", "").strip()[:200]
    clients_query = access.visible_organisations(g.user)
    if search:
        clients_query = clients_query.where(Organisation.name.icontains(search, autoescape=True))
    return render_template(
        "cb/dashboard.html",
        audits=paginate(session, audits_query, request.args.get("audits_page")),
        organisations=paginate(session, clients_query, request.args.get("clients_page")),
        status=status,
        statuses=list(AuditStatus),
        search=search,
        overdue=records.overdue_everywhere(session)[:OVERDUE_SHOWN]
        if access.is_staff(g.user)
        else [],
    )


OVERDUE_SHOWN = 20


def _status_filter(raw: str | None) -> AuditStatus | None:
    """The audit status asked for, or None (all) for none or an unknown one."""
    try:
        return AuditStatus(raw) if raw else None
    except ValueError:
        return None


@bp.get("/organisations/<uuid:organisation_id>")
@requires(Action.VIEW_DASHBOARD)
def organisation(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One client: sites, contacts and the audits this person may see, newest first, a page
    at a time (?audits_page=)."""
    # The policy asks one EXISTS query whether an auditor is on a team of this client.
    org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
    query = access.visible_audits(g.user).where(Audit.organisation_id == org.id)
    audits = paginate(db_session(), query, request.args.get("audits_page"))
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
        history=evidence.rounds(found),
        threads=review_queries.threads(db_session(), found),
        released=releases.releases(db_session(), found.id),
        errors=errors or {},
        values=values or {},
    ), status
