"""Planning an audit (no Flask): for one client, the certifications it serves, its type and
dates, the sites (a multi-site sample where MD 1 applies), the checklists to pin, objectives,
scope and criteria, the team, and the planned time from the audit-time tables.

`plan_audit` checks everything first and refuses an impossible plan with the field to fix
(an end before the start, a site outside the certifications, a team without a lead, more
auditor-days than the team can give in the dates); then it writes the audit through the
caller's unit of work with its working (time and sample, with the random draw's seed) kept
on the audit and in the audit log. Nothing is committed here. A planned audit reaches the
laptops of its team at their next sync: the pull sends an audit a laptop does not know yet
in full.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from auditkit.certifications.overview import refresh_next_due
from auditkit.certifications.schemes import SCHEMES, display_name
from auditkit.field_errors import FieldError
from auditkit.models import (
    Audit,
    AuditTeamMember,
    AuditType,
    Certification,
    Organisation,
    Role,
    TeamRole,
    User,
)
from auditkit.planning.audit_sites import choose_sites
from auditkit.planning.clause_sample import clauses_to_cover
from auditkit.planning.pinning import pin_checklists
from auditkit.planning.proposal import adjusted_step, proposed_time
from auditkit.planning.team import check_team, override_record
from auditkit.unit_of_work import ServerWork

PLANNABLE = (
    AuditType.STAGE1,
    AuditType.STAGE2,
    AuditType.SURVEILLANCE,
    AuditType.RECERTIFICATION,
    AuditType.SPECIAL,
    AuditType.FOLLOW_UP,
)
MAX_DAYS = Decimal(500)
MAX_SPAN_DAYS = 60


class PlanError(FieldError):
    """A plan refused; `field` names the form field to fix."""


@dataclass
class PlanInput:
    audit_type: str = ""
    start_date: str = ""
    end_date: str = ""
    certification_ids: Sequence[str] = ()
    chosen_site_ids: Sequence[str] = ()
    lead_id: str = ""
    member_ids: Sequence[str] = ()
    expert_ids: Sequence[str] = ()
    observer_ids: Sequence[str] = ()
    trainee_ids: Sequence[str] = ()
    planned_days: str = ""
    integration: str = "none"
    objectives: str = ""
    scope: str = ""
    criteria: str = ""
    remote_use: str = ""
    language: str = "en"
    time_reason: str = ""  # why the planned days differ from the tables
    override_reason: str = ""  # to assign a team the checks block (a role allowed to)
    extra: dict[str, Any] = field(default_factory=dict)


def parse_date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise PlanError(name, "Give the date as YYYY-MM-DD, such as 2027-03-15.") from None


def _type(raw: str) -> AuditType:
    try:
        kind = AuditType(raw)
    except ValueError:
        raise PlanError("audit_type", "Choose the type of audit.") from None
    return kind


def chosen_certifications(org: Organisation, ids: Sequence[str]) -> list[Certification]:
    own = {str(c.id): c for c in org.certifications if c.withdrawn_at is None}
    if not ids:
        raise PlanError("certifications", "Choose the certification(s) this audit serves.")
    if any(i not in own for i in ids):
        raise PlanError("certifications", "Choose among this client's current certifications.")
    return [own[i] for i in dict.fromkeys(ids)]


def resolve_team(session: Any, plan: PlanInput) -> list[tuple[User, TeamRole]]:
    if not plan.lead_id:
        raise PlanError("lead", "Name the lead auditor.")
    wanted: list[tuple[str, TeamRole, str]] = [(plan.lead_id, TeamRole.LEAD, "lead")]
    wanted += [(i, TeamRole.AUDITOR, "members") for i in plan.member_ids]
    wanted += [(i, TeamRole.TECHNICAL_EXPERT, "experts") for i in plan.expert_ids]
    wanted += [(i, TeamRole.OBSERVER, "observers") for i in plan.observer_ids]
    wanted += [(i, TeamRole.TRAINEE, "trainees") for i in plan.trainee_ids]
    team: list[tuple[User, TeamRole]] = []
    seen: set[str] = set()
    for raw, role, name in wanted:
        try:
            user = session.get(User, uuid.UUID(raw))
        except ValueError:
            user = None
        if user is None or not user.is_active:
            raise PlanError(name, "Choose among the active auditors.")
        if role in (TeamRole.LEAD, TeamRole.AUDITOR) and not user.has_role(Role.AUDITOR):
            raise PlanError(name, f"{user.full_name} is not an auditor.")
        if raw in seen:
            raise PlanError(name, f"{user.full_name} is on the team once, in one role.")
        seen.add(raw)
        team.append((user, role))
    return team


def next_number(session: Any, year: int) -> str:
    """The next human audit number of the year: A2027-0001, A2027-0002, ..."""
    prefix = f"A{year}-"
    last = session.scalar(select(func.max(Audit.number)).where(Audit.number.like(f"{prefix}%")))
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last and re.fullmatch(r"A\d{4}-\d+", last) else 1
    return f"{prefix}{sequence:04d}"


def _text(value: str, name: str, limit: int) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise PlanError(name, f"Keep this under {limit} characters.")
    return value


def plan_audit(
    work: ServerWork,
    org: Organisation,
    plan: PlanInput,
    *,
    seed: int | None = None,
    may_override: bool = False,
) -> Audit:
    """Check the plan and write the audit (status planned) with its team and checklists.

    A team the checks block is assigned only with an override reason, by someone who
    `may_override`; the problems and the reason are kept with the plan and logged.
    """
    if org.archived_at is not None:
        raise PlanError("certifications", "This client is archived: restore it first.")
    kind = _type(plan.audit_type)
    certifications = chosen_certifications(org, plan.certification_ids)
    start = parse_date(plan.start_date, "start_date")
    end = parse_date(plan.end_date, "end_date")
    if end < start:
        raise PlanError("end_date", "The last day comes on or after the first day.")
    if (end - start).days >= MAX_SPAN_DAYS:
        raise PlanError("end_date", f"An audit spans at most {MAX_SPAN_DAYS} days.")
    for cert in certifications:
        if kind in (AuditType.STAGE1, AuditType.STAGE2) and cert.reviewed_at is None:
            raise PlanError(
                "certifications",
                f"The application for {display_name(cert.scheme, cert.vca_level)} is not "
                "reviewed yet: record the application review first (ISO/IEC 17021-1 9.1.2).",
            )
        if kind in (AuditType.SURVEILLANCE, AuditType.RECERTIFICATION) and not cert.cycles:
            raise PlanError(
                "audit_type",
                f"{display_name(cert.scheme, cert.vca_level)} is not certified yet: plan its "
                "stage 1 and stage 2 first.",
            )
        if kind == AuditType.STAGE2 and not any(
            a.audit_type == AuditType.STAGE1 for a in cert.audits
        ):
            raise PlanError(
                "audit_type",
                f"{display_name(cert.scheme, cert.vca_level)} has no stage 1 yet: plan it first.",
            )
    proposal = proposed_time(certifications, kind, plan.integration or "none")
    if plan.planned_days.strip():
        try:
            days = Decimal(plan.planned_days.strip().replace(",", "."))
        except InvalidOperation:
            raise PlanError("planned_days", "Give the days as a number, such as 3.5.") from None
        if not days.is_finite() or days <= 0 or days > MAX_DAYS or days % Decimal("0.5"):
            raise PlanError(
                "planned_days", "Plan a positive number of days in half days, such as 3.5."
            )
    elif proposal.days is not None:
        days = proposal.days
    else:
        raise PlanError("planned_days", f"Give the planned days: {proposal.error}.")
    team = resolve_team(work.session, plan)
    auditors = sum(1 for _, role in team if role in (TeamRole.LEAD, TeamRole.AUDITOR))
    calendar_days = (end - start).days + 1
    if days > auditors * calendar_days:
        raise PlanError(
            "planned_days",
            f"{days.normalize():f} auditor-days do not fit in {calendar_days} day(s) with "
            f"{auditors} auditor(s): add auditors or days.",
        )
    problems = check_team(work.session, team, certifications, start)
    override = override_record(problems, plan.override_reason, may_override)
    sites, sample = choose_sites(certifications, kind, plan.chosen_site_ids, seed)
    working = list(proposal.working)
    if proposal.days is not None and days != proposal.days:
        working.append(adjusted_step(proposal.days, days, plan.time_reason))
    vca = next((c for c in certifications if SCHEMES[c.scheme].vca_levels), None)
    audit = Audit(
        number=next_number(work.session, start.year),
        organisation_id=org.id,
        audit_type=kind,
        start_date=start,
        end_date=end,
        objectives=_text(plan.objectives, "objectives", 5000) or default_objectives(kind),
        scope=_text(plan.scope, "scope", 5000)
        or "\n".join(dict.fromkeys(c.scope for c in certifications)),
        criteria=_text(plan.criteria, "criteria", 5000) or default_criteria(certifications),
        planned_days=days,
        remote_use=_text(plan.remote_use, "remote_use", 2000),
        language=_text(plan.language or "en", "language", 10),
        vca_level=vca.vca_level if vca else None,
        plan_working={"audit_time": working, "sample": sample, "team_override": override},
    )
    audit.certifications = list(certifications)
    audit.sites = list(sites)
    audit.team = [AuditTeamMember(user_id=u.id, role=role) for u, role in team]
    work.session.add(audit)
    work.session.flush()
    pin_checklists(work.session, audit, [SCHEMES[c.scheme].checklist_id for c in certifications])
    audit.plan_working = {**audit.plan_working, "clauses": clauses_to_cover(audit, certifications)}
    work.event(
        "audit.plan",
        audit_id=audit.id,
        entity="audit",
        entity_id=str(audit.id),
        detail={
            "number": audit.number,
            "type": kind.value,
            "certifications": [str(c.id) for c in certifications],
            "planned_days": str(days),
            "team": {str(u.id): role.value for u, role in team},
            "sample": {k: v for k, v in sample.items() if k != "working"},
        },
    )
    for cert in certifications:
        refresh_next_due(cert, date.today())
    if override:
        work.event(
            "audit.team_override",
            audit_id=audit.id,
            entity="audit",
            entity_id=str(audit.id),
            detail=override,
        )
    return audit


def default_objectives(kind: AuditType) -> str:
    return {
        AuditType.STAGE1: "Check that the management system is ready for stage 2 and agree "
        "its details.",
        AuditType.STAGE2: "Evaluate how the management system is implemented and how well it "
        "works, to recommend certification or not.",
        AuditType.SURVEILLANCE: "Confirm that the certified management system still meets "
        "the standard and keeps improving.",
        AuditType.RECERTIFICATION: "Confirm that the whole management system has kept working "
        "over the cycle, to recommend renewal.",
    }.get(kind, "")


def default_criteria(certifications: Sequence[Certification]) -> str:
    standards = ", ".join(display_name(c.scheme, c.vca_level) for c in certifications)
    return f"{standards}; the client's own management system documents; legal requirements."
