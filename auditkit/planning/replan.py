"""Changing a planned audit (no Flask): its dates, the sites it visits and its team, with the
same checks as when it was planned. The change is logged for the team's laptops, so it
reaches them at their next sync; a member taken off the team loses the audit from their
laptop (sync.client.removal) once their unsent changes have gone up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from auditkit import workflow
from auditkit.models import Audit, AuditTeamMember, TeamRole
from auditkit.planning.audit_sites import sites_in_scope
from auditkit.planning.audits import (
    MAX_SPAN_DAYS,
    PlanError,
    PlanInput,
    parse_date,
    resolve_team,
)
from auditkit.planning.team import check_team, override_record
from auditkit.unit_of_work import ServerWork


def change_plan(
    work: ServerWork,
    audit: Audit,
    plan: PlanInput,
    *,
    site_ids: Sequence[str],
    may_override: bool = False,
) -> list[str]:
    """Apply the new dates, sites and team; return what changed (empty: nothing did)."""
    if not workflow.plan_open(audit.status):
        raise PlanError("start_date", "The audit has started: its plan no longer changes.")
    start, end = parse_date(plan.start_date, "start_date"), parse_date(plan.end_date, "end_date")
    if end < start:
        raise PlanError("end_date", "The last day comes on or after the first day.")
    if (end - start).days >= MAX_SPAN_DAYS:
        raise PlanError("end_date", f"An audit spans at most {MAX_SPAN_DAYS} days.")
    scope = {str(s.id): s for s in (sites_in_scope(audit.certifications) or audit.sites)}
    if not site_ids or any(i not in scope for i in site_ids):
        raise PlanError("sites", "Choose at least one site in scope of the audit's certifications.")
    team = resolve_team(work.session, plan)
    auditors = sum(1 for _, role in team if role in (TeamRole.LEAD, TeamRole.AUDITOR))
    days = (end - start).days + 1
    if audit.planned_days is not None and audit.planned_days > auditors * days:
        raise PlanError(
            "end_date",
            f"{audit.planned_days.normalize():f} auditor-days do not fit in {days} day(s) with "
            f"{auditors} auditor(s).",
        )
    override = override_record(
        check_team(work.session, team, audit.certifications, start),
        plan.override_reason,
        may_override,
    )
    changed = _apply(audit, start, end, [scope[i] for i in dict.fromkeys(site_ids)], team)
    if override:
        audit.plan_working = {**audit.plan_working, "team_override": override}
        changed.append("team override")
    if changed:
        work.changed(audit, "audit", str(audit.id), content=False)
        work.event(
            "audit.replan",
            audit_id=audit.id,
            entity="audit",
            entity_id=str(audit.id),
            detail={"changed": changed, "team": {str(u.id): r.value for u, r in team}},
        )
    return changed


def _apply(audit: Audit, start: date, end: date, sites: list[Any], team: list[Any]) -> list[str]:
    changed = []
    if (audit.start_date, audit.end_date) != (start, end):
        audit.start_date, audit.end_date = start, end
        changed.append("dates")
    if {s.id for s in audit.sites} != {s.id for s in sites}:
        audit.sites = sites
        changed.append("sites")
    wanted = {(u.id, role) for u, role in team}
    if {(m.user_id, m.role) for m in audit.team} != wanted:
        keep = {m.user_id: m for m in audit.team}
        members = []
        for user, role in team:
            member = keep.get(user.id)
            if member is None:
                member = AuditTeamMember(user_id=user.id, role=role)
            member.role = role
            members.append(member)
        audit.team = members
        changed.append("team")
    # The schedule names days and auditors: lines that no longer fit the plan go.
    fits = [
        i
        for i in audit.schedule
        if start.isoformat() <= i["day"] <= end.isoformat()
        and i["auditor_id"] in {str(u.id) for u, _ in team}
        and (i.get("site_id") is None or i["site_id"] in {str(s.id) for s in sites})
    ]
    if len(fits) != len(audit.schedule):
        audit.schedule = fits
        changed.append("schedule")
    return changed
