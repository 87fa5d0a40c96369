"""Where a programme stands on a given day: each audit's state and the certificate's.

Kept apart from auditkit.planning.cycle, which only computes dates: this module compares
them with today and with what was held, for the planner's lists and warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from auditkit.models.enums import AuditType
from auditkit.planning.cycle import CycleAudit, CycleError, Programme, normalise_done


class AuditState(StrEnum):
    DONE = "done"
    NOT_YET_OPEN = "not_yet_open"  # before its window opens: too early to hold it
    OPEN = "open"
    AT_RISK = "at_risk"  # within the policy's at-risk margin of its due date, not held
    OVERDUE = "overdue"  # past its due date, not held


class CycleState(StrEnum):
    NOT_YET_EFFECTIVE = "not_yet_effective"
    VALID = "valid"
    RESTORABLE = "restorable"  # expired, recertification can still restore it
    LAPSED = "lapsed"  # past the restoration period: a new initial certification is needed


@dataclass(frozen=True)
class AuditFlag:
    """One due audit's state. `late` and `early` say whether a held audit kept its window."""

    audit: CycleAudit
    state: AuditState
    held_on: date | None = None
    late: bool = False
    early: bool = False


@dataclass(frozen=True)
class CycleFlags:
    today: date
    state: CycleState
    message: str
    restorable_until: date
    audits: tuple[AuditFlag, ...]

    def of(self, key: str) -> AuditFlag:
        for flag in self.audits:
            if flag.audit.key == key:
                return flag
        raise KeyError(key)


def flags(
    prog: Programme, today: date, done: Iterable[str] | Mapping[str, date | None] = ()
) -> CycleFlags:
    """Each due audit's state on `today` and the cycle's, given the audits held so far.

    `done` is a set of audit keys ("surveillance1", AuditType.RECERTIFICATION) or a mapping
    from key to the date held; a held date after `today` is refused (a planned date is not a
    held audit). An audit held counts as done even if it was late; `late` tells.
    """
    held = normalise_done(prog, done)
    for key, held_on in held.items():
        if held_on is not None and held_on > today:
            raise CycleError(f"{key} cannot have been held on {held_on}, after {today}.")
    audit_flags = tuple(_audit_flag(prog, a, today, held) for a in prog.due)
    state, message = _cycle_state(prog, today)
    return CycleFlags(today, state, message, prog.restorable_until, audit_flags)


def _audit_flag(
    prog: Programme, audit: CycleAudit, today: date, held: Mapping[str, date | None]
) -> AuditFlag:
    assert audit.window_opens is not None and audit.due_by is not None  # due audits have both
    if audit.key in held:
        held_on = held[audit.key]
        return AuditFlag(
            audit,
            AuditState.DONE,
            held_on,
            late=held_on is not None and held_on > audit.due_by,
            early=held_on is not None and held_on < audit.window_opens,
        )
    policy = prog.policy
    recert = audit.kind is AuditType.RECERTIFICATION
    margin = timedelta(days=policy.recert_at_risk_days if recert else policy.at_risk_days)
    if today < audit.window_opens:
        state = AuditState.NOT_YET_OPEN
    elif today > audit.due_by:
        state = AuditState.OVERDUE
    elif today >= audit.due_by - margin:
        state = AuditState.AT_RISK
    else:
        state = AuditState.OPEN
    return AuditFlag(audit, state)


def _cycle_state(prog: Programme, today: date) -> tuple[CycleState, str]:
    if today < prog.effective:
        return CycleState.NOT_YET_EFFECTIVE, f"takes effect on {prog.effective}"
    if today <= prog.expiry:
        return CycleState.VALID, f"valid until {prog.expiry}"
    if today <= prog.restorable_until:
        return CycleState.RESTORABLE, (
            f"expired on {prog.expiry}; restorable until {prog.restorable_until} once the "
            "outstanding recertification activities are completed"
        )
    return CycleState.LAPSED, (
        f"expired on {prog.expiry} and could be restored only until {prog.restorable_until}: "
        "a new initial certification (at least a stage 2) is needed"
    )
