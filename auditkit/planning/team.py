"""The audit team checks (no Flask), ISO/IEC 17021-1 7.2 and 9.2.2-9.2.3.

Before a team is assigned: the lead is qualified to lead every scheme of the audit; every
auditor is qualified for one of them at least; together the team's qualifications cover
every IAF sector code of the certifications (technical experts' codes count: that is what
they are there for); no member has a declared tie to the client (consultancy or employment
in the last two years, or another tie still in force); and the lead has not led this
certification for more consecutive cycles than the CB allows. Each problem says who and why;
a planner sees them all at once. The caller decides whether an override is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.certifications.schemes import display_name
from auditkit.field_errors import FieldError
from auditkit.models import (
    Audit,
    AuditorQualification,
    AuditTeamMember,
    Certification,
    ImpartialityDeclaration,
    TeamRole,
    User,
)
from auditkit.planning.cycle_policy import add_months

AUDITING = (TeamRole.LEAD, TeamRole.AUDITOR)
TIE_KINDS = {"consultancy": "consultancy for", "employment": "employment at", "tie": "a tie to"}


@dataclass(frozen=True)
class TeamPolicy:
    """The CB's settings for team checks."""

    tie_cooling_off_months: int = 24  # consultancy or employment: two years (17021-1 5.2)
    max_consecutive_lead_cycles: int = 2  # then another lead, for a fresh view


@dataclass(frozen=True)
class TeamProblem:
    code: str
    message: str


def qualifications(
    session: Session, users: Sequence[User], on: date
) -> dict[tuple[object, str], AuditorQualification]:
    """(user id, scheme) -> the qualification in force on `on`."""
    rows = session.scalars(
        select(AuditorQualification).where(
            AuditorQualification.user_id.in_([u.id for u in users]),
            AuditorQualification.status == "active",
            AuditorQualification.qualified_on <= on,
        )
    )
    return {(q.user_id, q.scheme): q for q in rows if q.valid_until is None or q.valid_until >= on}


def _cycle_index(certification: Certification, day: date) -> int:
    index = 0
    for i, cycle in enumerate(certification.cycles):
        if cycle.start_date <= day:
            index = i
    return index


def _led_cycles(session: Session, certification: Certification, lead: User) -> set[int]:
    led = session.scalars(
        select(Audit.start_date)
        .join(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(
            AuditTeamMember.user_id == lead.id,
            AuditTeamMember.role == TeamRole.LEAD,
            Audit.id.in_([a.id for a in certification.audits]),
        )
    )
    return {_cycle_index(certification, day) for day in led}


def check_team(
    session: Session,
    team: Sequence[tuple[User, TeamRole]],
    certifications: Sequence[Certification],
    start: date,
    policy: TeamPolicy | None = None,
) -> list[TeamProblem]:
    policy = policy or TeamPolicy()
    problems: list[TeamProblem] = []
    users = [u for u, _ in team]
    held = qualifications(session, users, start)
    lead = next((u for u, role in team if role == TeamRole.LEAD), None)
    schemes = list(dict.fromkeys(c.scheme for c in certifications))
    for scheme in schemes:
        name = display_name(scheme)
        if lead is not None:
            found = held.get((lead.id, scheme))
            if found is None or not found.may_lead:
                problems.append(
                    TeamProblem(
                        "lead_not_qualified",
                        f"{lead.full_name} is not qualified to lead {name} on {start}.",
                    )
                )
        wanted = {
            int(c) for cert in certifications if cert.scheme == scheme for c in cert.sector_codes
        }
        covered = {
            int(code)
            for user in users
            if (user.id, scheme) in held
            for code in held[(user.id, scheme)].sector_codes
        }
        missing = sorted(wanted - covered)
        if missing:
            problems.append(
                TeamProblem(
                    "sectors_not_covered",
                    f"No one on the team is qualified for {name} in IAF sector code(s) "
                    f"{', '.join(str(c) for c in missing)}: add an auditor or technical expert "
                    "who is.",
                )
            )
    for user, role in team:
        if role in AUDITING and not any((user.id, s) in held for s in schemes):
            problems.append(
                TeamProblem(
                    "auditor_not_qualified",
                    f"{user.full_name} holds no qualification in force for "
                    f"{' or '.join(display_name(s) for s in schemes)}.",
                )
            )
    problems += _ties(session, team, certifications, start, policy)
    if lead is not None:
        for cert in certifications:
            led = _led_cycles(session, cert, lead)
            # The cycle the new audit falls in, and the ones before it that this lead led.
            count, previous = 1, _cycle_index(cert, start) - 1
            while previous in led:
                count += 1
                previous -= 1
            if count > policy.max_consecutive_lead_cycles:
                problems.append(
                    TeamProblem(
                        "lead_rotation",
                        f"{lead.full_name} would lead {display_name(cert.scheme)} for "
                        f"{count} cycles in a row; the CB allows "
                        f"{policy.max_consecutive_lead_cycles}.",
                    )
                )
    return problems


def _ties(
    session: Session,
    team: Sequence[tuple[User, TeamRole]],
    certifications: Sequence[Certification],
    start: date,
    policy: TeamPolicy,
) -> list[TeamProblem]:
    if not certifications:
        return []
    organisation_id = certifications[0].organisation_id
    names = {u.id: u.full_name for u, _ in team}
    cut_off = add_months(start, -policy.tie_cooling_off_months)
    problems = []
    for decl in session.scalars(
        select(ImpartialityDeclaration).where(
            ImpartialityDeclaration.user_id.in_(list(names)),
            ImpartialityDeclaration.organisation_id == organisation_id,
        )
    ):
        if decl.ended_on is not None and decl.ended_on < cut_off:
            continue
        when = f"until {decl.ended_on}" if decl.ended_on else "still going on"
        problems.append(
            TeamProblem(
                "declared_tie",
                f"{names[decl.user_id]} declared {TIE_KINDS.get(decl.kind, 'a tie to')} this "
                f"client ({when}): {decl.description or 'no details given'}.",
            )
        )
    return problems


class TeamBlocked(FieldError):
    """The team checks found problems; each says who and why (auditkit.planning.team)."""

    def __init__(self, problems: Sequence[TeamProblem], message: str, advice: str = "") -> None:
        super().__init__("team", message)
        self.problems = list(problems)
        self.advice = advice  # what to do about it, for a page that lists the problems


def override_record(
    problems: Sequence[TeamProblem], reason: str, may_override: bool
) -> dict[str, Any] | None:
    if not problems:
        return None
    reason = reason.strip()
    listed = " ".join(p.message for p in problems)
    if not reason:
        ask = (
            " To assign this team anyway, give the reason for the override."
            if may_override
            else " Change the team, or ask an administrator to override with a reason."
        )
        raise TeamBlocked(problems, f"The team cannot be assigned: {listed}{ask}", ask.strip())
    if not may_override:
        only = "Only an administrator may override the team checks."
        raise TeamBlocked(problems, only, only)
    if len(reason) > 2000:
        raise FieldError("override_reason", "Keep the reason under 2000 characters.")
    return {
        "reason": reason,
        "problems": [{"code": p.code, "message": p.message} for p in problems],
    }
