"""The audit workflow: statuses, the moves between them, who may make each, and what each locks.

    planned -> in_progress -> submitted -> accepted -> report_released -> decided
                                 |   ^                      |
                                 v   |                      |  (an error in a released report:
                               returned <-------------------+   a new round, a new revision)

- The team's content (answers, findings, photos, registers, closure) is editable until the
  lead submits, and again when a reviewer returns the audit; from submission on it is locked.
- Reviewer queries and the team's answers to them live outside that lock: they are open while
  the audit is submitted or returned (an audit is accepted only with its queries closed).
- Corrective actions live outside it too: the audited organisation answers its
  nonconformities once the report is released, through the decision and after it (a minor is
  verified at the next audit at the latest), while the audit's content stays locked.
- Reviewers and decision makers are never on the audit's team (ISO/IEC 17021-1 9.5.1).

Everything else asks this module: the laptop's capture code, the sync server, the CB views and
the templates (through the jinja globals `content_locked` and `status_label`). No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from auditkit.models.enums import AuditStatus, Role, TeamRole

S = AuditStatus


class Part(StrEnum):
    """What a status can lock."""

    CONTENT = "content"  # the team's record of the audit
    PLAN = "plan"  # dates, sites, team, checklists: the planner's
    QUERIES = "queries"  # reviewer queries and the team's answers to them
    CORRECTIVE_ACTIONS = "corrective_actions"  # the organisation's answers to nonconformities


_OPEN: dict[AuditStatus, frozenset[Part]] = {
    S.PLANNED: frozenset({Part.CONTENT, Part.PLAN}),
    S.IN_PROGRESS: frozenset({Part.CONTENT, Part.PLAN}),
    S.SUBMITTED: frozenset({Part.QUERIES}),
    S.RETURNED: frozenset({Part.CONTENT, Part.QUERIES}),
    S.ACCEPTED: frozenset(),
    S.REPORT_RELEASED: frozenset({Part.CORRECTIVE_ACTIONS}),
    S.DECIDED: frozenset({Part.CORRECTIVE_ACTIONS}),
}

LABELS = {
    S.PLANNED: "planned",
    S.IN_PROGRESS: "in progress",
    S.SUBMITTED: "submitted",
    S.RETURNED: "returned to the team",
    S.ACCEPTED: "accepted",
    S.REPORT_RELEASED: "report released",
    S.DECIDED: "decided",
}


class Who(StrEnum):
    """Whose move it is."""

    TEAM = "team"  # any member of the audit team (its laptop's change)
    LEAD = "lead"  # the lead auditor of this audit
    REVIEWER = "reviewer"  # CB staff with the reviewer role, not on the team
    DECISION_MAKER = "decision_maker"  # CB staff with that role, not on the team


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[AuditStatus]
    target: AuditStatus
    who: Who
    label: str


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("start", frozenset({S.PLANNED}), S.IN_PROGRESS, Who.TEAM, "start the audit"),
        Move(
            "submit",
            frozenset({S.PLANNED, S.IN_PROGRESS, S.RETURNED}),
            S.SUBMITTED,
            Who.LEAD,
            "submit the audit to the CB",
        ),
        Move(
            "return",
            frozenset({S.SUBMITTED, S.REPORT_RELEASED}),
            S.RETURNED,
            Who.REVIEWER,
            "return it to the team",
        ),
        Move("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, Who.REVIEWER, "accept it"),
        Move(
            "release",
            frozenset({S.ACCEPTED, S.REPORT_RELEASED}),
            S.REPORT_RELEASED,
            Who.REVIEWER,
            "release the report to the client",
        ),
        Move(
            "decide",
            frozenset({S.ACCEPTED, S.REPORT_RELEASED}),
            S.DECIDED,
            Who.DECISION_MAKER,
            "take the certification decision",
        ),
    )
}
_STAFF_ROLES = {Who.REVIEWER: Role.REVIEWER, Who.DECISION_MAKER: Role.DECISION_MAKER}


class MoveRefused(Exception):
    """A move that is not allowed now, or not to this person; the sentence says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # "wrong_status" | "not_allowed" | "on_team"
        self.message = message


def is_open(status: AuditStatus, part: Part) -> bool:
    """Whether `part` of an audit in `status` may still change."""
    return part in _OPEN[status]


def content_locked(status: AuditStatus) -> bool:
    """The team can no longer change the audit's content (submitted, or later)."""
    return not is_open(status, Part.CONTENT)


def plan_open(status: AuditStatus) -> bool:
    """The plan (dates, team, schedule, objections to the team) changes only before the
    audit starts."""
    return status == S.PLANNED


def started(status: AuditStatus) -> bool:
    """The audit is under way or past it: once its last day has come, it counts as held."""
    return status != S.PLANNED


# Where an audit held before this server knew of it stands: its report was reviewed and
# accepted elsewhere (imported history, demo data). Not a move: nobody makes it here.
HELD_ELSEWHERE = S.ACCEPTED


# Where an audit waits for the certification decision: accepted, its report released or not.
AWAITING_DECISION = MOVES["decide"].sources


def decided(status: AuditStatus) -> bool:
    return status == S.DECIDED


def status_label(status: AuditStatus) -> str:
    return LABELS[status]


def check(
    move_name: str,
    status: AuditStatus,
    *,
    roles: frozenset[Role] | set[Role] = frozenset(),
    team_role: TeamRole | None = None,
) -> Move:
    """The move, if the person (their staff roles, their role on this audit's team, if any)
    may make it from `status`; MoveRefused otherwise."""
    move = MOVES[move_name]
    if status not in move.sources:
        raise MoveRefused(
            "wrong_status", f"An audit that is {LABELS[status]} cannot {move.label} now."
        )
    if move.who == Who.TEAM:
        if team_role is None:
            raise MoveRefused("not_allowed", "Only the audit team can do that.")
    elif move.who == Who.LEAD:
        if team_role != TeamRole.LEAD:
            raise MoveRefused("not_allowed", f"Only the lead auditor can {move.label}.")
    else:
        if _STAFF_ROLES[move.who] not in roles and Role.ADMIN not in roles:
            raise MoveRefused("not_allowed", f"Your role does not let you {move.label}.")
        if team_role is not None:
            raise MoveRefused(
                "on_team",
                f"You are on this audit's team, so you cannot {move.label} "
                "(ISO/IEC 17021-1: review and decisions are by people outside the team).",
            )
    return move


def moves_from(status: AuditStatus) -> list[Move]:
    """The moves that can be made from `status`, in the workflow's order."""
    return [m for m in MOVES.values() if status in m.sources]
