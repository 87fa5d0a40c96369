"""Planning an audit in the staff UI: a planner picks the certifications it serves, type,
dates, sites and team; the audit time comes from the tables unless the planner sets it.

The rules live in auditkit.planning.audits; a refused plan comes back with what was typed
and the error beside its field.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from auditkit.access import Action, can
from auditkit.cb.auth import requires, server_work, visible
from auditkit.field_errors import FieldError
from auditkit.models import Audit, Organisation, Role, TeamRole, User, UserRole
from auditkit.planning import schedule
from auditkit.planning.audit_sites import sites_in_scope
from auditkit.planning.audits import PLANNABLE, PlanInput, plan_audit
from auditkit.planning.proposal import proposed_time
from auditkit.planning.replan import change_plan
from auditkit.planning.team import TeamBlocked
from auditkit.planning.time_tables import load_tables
from auditkit.portal import notices
from auditkit.web.database import db_session
from auditkit.web.mail import mailer

bp = Blueprint("audit_planning", __name__)
TEXT_FIELDS = (
    "audit_type",
    "start_date",
    "end_date",
    "lead_id",
    "planned_days",
    "time_reason",
    "integration",
    "objectives",
    "scope",
    "criteria",
    "remote_use",
    "language",
    "override_reason",
)
LIST_FIELDS = (
    "certification_ids",
    "chosen_site_ids",
    "member_ids",
    "expert_ids",
    "observer_ids",
    "trainee_ids",
)


def _auditors() -> list[User]:
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.AUDITOR, User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return list(db_session().scalars(query).unique())


@bp.route("/organisations/<uuid:organisation_id>/audits/new", methods=["GET", "POST"])
@requires(Action.PLAN_AUDITS)
def new(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Plan an audit of this client; GET with ?certification_ids= and ?audit_type= preselects."""
    org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
    source = request.form if request.method == "POST" else request.args
    values: dict[str, Any] = {n: source.get(n, "") for n in TEXT_FIELDS}
    lists = {n: source.getlist(n) for n in LIST_FIELDS}
    if request.method == "GET" and not lists["certification_ids"]:
        lists["certification_ids"] = [
            str(c.id) for c in org.certifications if c.withdrawn_at is None
        ][:1]
    errors: dict[str, str] = {}
    problems: list[Any] = []
    team_advice = ""
    may_override = can(g.user, Action.OVERRIDE_TEAM_CHECKS)
    if request.method == "POST":
        plan = PlanInput(**values, **lists)
        try:
            audit = plan_audit(server_work(), org, plan, may_override=may_override)
        except FieldError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
            problems = exc.problems if isinstance(exc, TeamBlocked) else []
            team_advice = exc.advice if isinstance(exc, TeamBlocked) else ""
            org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
        else:
            db_session().commit()
            flash(f"Audit {audit.number} is planned; its team's laptops get it at their next sync.")
            return redirect(url_for("planning.audit", audit_id=audit.id))
    chosen = [c for c in org.certifications if str(c.id) in lists["certification_ids"]]
    proposals = {}
    for kind in PLANNABLE:
        proposals[kind.value] = proposed_time(chosen, kind, values.get("integration") or "none")
    html = render_template(
        "cb/audit_plan_form.html",
        org=org,
        values=values,
        lists={k: set(v) for k, v in lists.items()},
        errors=errors,
        kinds=PLANNABLE,
        certifications=[c for c in org.certifications if c.withdrawn_at is None],
        scope_sites=sites_in_scope(chosen) if chosen else list(org.sites),
        auditors=_auditors(),
        proposals=proposals,
        problems=problems,
        team_advice=team_advice,
        may_override=may_override,
        integration_levels=list(load_tables().integration_levels),
    )
    return html, 422 if errors else 200


SCHEDULE_FIELDS = ("day", "start", "end", "site_id", "auditor_id", "activity", "remote")


@bp.post("/audits/<uuid:audit_id>/schedule")
@requires(Action.PLAN_AUDITS)
def add_schedule_item(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Add a line to the audit plan: day, time, site, auditor, what is audited."""
    from auditkit.cb.planning import audit_page

    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    values = {n: request.form.get(n, "") for n in SCHEDULE_FIELDS}
    try:
        schedule.add_item(server_work(), audit, values)
    except FieldError as exc:
        db_session().rollback()
        return audit_page(
            visible(Audit, audit_id, Action.VIEW_AUDIT),
            errors={f"schedule_{exc.field}": exc.message},
            values={f"schedule_{k}": v for k, v in values.items()},
            status=422,
        )
    db_session().commit()
    return redirect(url_for("planning.audit", audit_id=audit_id) + "#schedule")


@bp.post("/audits/<uuid:audit_id>/schedule/<item_id>/remove")
@requires(Action.PLAN_AUDITS)
def remove_schedule_item(audit_id: uuid.UUID, item_id: str):  # type: ignore[no-untyped-def]
    from auditkit.cb.planning import audit_page

    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    try:
        schedule.remove_item(server_work(), audit, item_id)
    except FieldError as exc:
        db_session().rollback()
        return audit_page(
            visible(Audit, audit_id, Action.VIEW_AUDIT),
            errors={f"schedule_{exc.field}": exc.message},
            status=422,
        )
    db_session().commit()
    return redirect(url_for("planning.audit", audit_id=audit_id) + "#schedule")


@bp.get("/audits/<uuid:audit_id>/plan")
@requires(Action.VIEW_DASHBOARD)
def printable_plan(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit plan as the client receives it: a page to print or save as PDF."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    return render_template("cb/audit_plan_print.html", audit=audit, schedule=schedule.rows(audit))


@bp.post("/audits/<uuid:audit_id>/plan/send")
@requires(Action.PLAN_AUDITS)
def send_plan(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Mail the plan and the team to the client's contacts (with the right to object)."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    sent = notices.audit_plan(db_session(), mailer(), audit)
    if not sent:
        flash("The client has no contact with an e-mail address to send the plan to.", "error")
        return redirect(url_for("planning.audit", audit_id=audit_id) + "#schedule")
    server_work().event(
        "audit.plan_send", audit_id=audit.id, entity="audit", entity_id=str(audit.id),
        detail={"to": sorted(m.to_address for m in sent)},
    )  # fmt: skip
    db_session().commit()
    flash(f"The plan is on its way to {', '.join(sorted(m.to_address for m in sent))}.")
    return redirect(url_for("planning.audit", audit_id=audit_id) + "#schedule")


@bp.app_template_global("schedule_rows")
def schedule_rows(audit: Audit) -> list[dict[str, Any]]:
    return schedule.rows(audit)


REPLAN_FIELDS = ("start_date", "end_date", "lead_id", "override_reason")
TEAM_LISTS = ("member_ids", "expert_ids", "observer_ids", "trainee_ids")


def _team_values(audit: Audit) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {
        "start_date": audit.start_date.isoformat(),
        "end_date": audit.end_date.isoformat(),
        "lead_id": str(audit.lead.user_id) if audit.lead else "",
    }
    by_role = {
        TeamRole.AUDITOR: "member_ids",
        TeamRole.TECHNICAL_EXPERT: "expert_ids",
        TeamRole.TRAINEE: "trainee_ids",
    }
    lists: dict[str, list[str]] = {n: [] for n in TEAM_LISTS}
    for member in audit.team:
        if member.role != TeamRole.LEAD:
            lists[by_role.get(member.role, "observer_ids")].append(str(member.user_id))
    lists["site_ids"] = [str(s.id) for s in audit.sites]
    return values, lists


@bp.route("/audits/<uuid:audit_id>/replan", methods=["GET", "POST"])
@requires(Action.PLAN_AUDITS)
def replan(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Change a planned audit's dates, sites and team; the team's laptops get the change."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    values, lists = _team_values(audit)
    errors: dict[str, str] = {}
    problems: list[Any] = []
    team_advice = ""
    may_override = can(g.user, Action.OVERRIDE_TEAM_CHECKS)
    if request.method == "POST":
        values = {n: request.form.get(n, "") for n in REPLAN_FIELDS}
        lists = {n: request.form.getlist(n) for n in (*TEAM_LISTS, "site_ids")}
        plan = PlanInput(**values, **{n: lists[n] for n in TEAM_LISTS})
        try:
            changed = change_plan(
                server_work(), audit, plan, site_ids=lists["site_ids"], may_override=may_override
            )
        except FieldError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
            problems = exc.problems if isinstance(exc, TeamBlocked) else []
            team_advice = exc.advice if isinstance(exc, TeamBlocked) else ""
            audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
        else:
            db_session().commit()
            flash(
                "Changed: " + ", ".join(changed) + ". The team's laptops get it at their next sync."
                if changed
                else "Nothing changed."
            )
            return redirect(url_for("planning.audit", audit_id=audit_id))
    html = render_template(
        "cb/audit_replan_form.html",
        audit=audit,
        values=values,
        lists={k: set(v) for k, v in lists.items()},
        errors=errors,
        problems=problems,
        team_advice=team_advice,
        may_override=may_override,
        auditors=_auditors(),
        scope_sites=sites_in_scope(audit.certifications) or list(audit.sites),
    )
    return html, 422 if errors else 200
