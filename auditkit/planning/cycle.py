"""The three-year audit programme: from a decision date to the audits a cycle needs, and when.

Pure dates, no Flask and no database: the CB app, the CLI and the demo pass in the dates they
hold. The periods come from a `CyclePolicy` (auditkit.planning.cycle_policy, re-exported here);
`auditkit.planning.cycle_flags` says where a programme stands on a given day and
`auditkit.planning.cycle_transfer` continues a cycle taken over from another CB.

Dates are whole calendar dates. `expiry` is the date printed on the certificate and is taken as
its last valid day: a decision on the expiry date itself is still in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from auditkit.models.enums import AuditType
from auditkit.planning.cycle_policy import (
    VCA_POLICY,
    CyclePolicy,
    CyclePolicyError,
    add_months,
    suspension_ends,
)

__all__ = [
    "VCA_POLICY",
    "CycleAudit",
    "CycleError",
    "CyclePolicy",
    "CyclePolicyError",
    "Programme",
    "RenewalStatus",
    "RestorationPeriodOver",
    "add_months",
    "normalise_done",
    "programme",
    "programme_on_dates",
    "renewal_status",
    "suspension_ends",
]

DAY = timedelta(days=1)


class CycleError(ValueError):
    """Dates that do not make a cycle (a decision before stage 2, a missing expiry, ...)."""


class RestorationPeriodOver(CycleError):
    """Recertification decided after the restoration period: the old cycle cannot be continued,
    a new initial certification (at least a stage 2) is needed."""

    def __init__(self, previous_expiry: date, restorable_until: date, decision_date: date) -> None:
        super().__init__(
            f"The certificate expired on {previous_expiry} and could be restored until "
            f"{restorable_until}; a decision on {decision_date} is too late. A new initial "
            "certification is needed (at least a stage 2 audit)."
        )
        self.previous_expiry = previous_expiry
        self.restorable_until = restorable_until
        self.decision_date = decision_date


class RenewalStatus(StrEnum):
    TIMELY = "timely"  # decided by expiry: new expiry = old expiry + cycle_years
    RESTORED = "restored"  # decided within the restoration period: effective on the decision
    NEW_CERTIFICATION_NEEDED = "new_certification_needed"


@dataclass(frozen=True)
class CycleAudit:
    """One audit of a cycle. `key` tells the audits apart ("surveillance1"), `kind` is the
    AuditType an Audit row for it carries. History entries (stage 1 and 2 of an initial cycle)
    came before the decision and have no window or due date."""

    key: str
    kind: AuditType
    number: int | None  # 1, 2, ... for surveillances
    window_opens: date | None
    due_by: date | None
    rule: str
    history: bool = False
    held_on: date | None = None


@dataclass(frozen=True)
class Programme:
    """A certification cycle: `effective` is the certificate's effective date (the decision
    date: never earlier), `start` the date its surveillances count from (the initial decision,
    or for a renewal the day after the previous expiry, which keeps cycles aligned)."""

    policy: CyclePolicy
    first_cycle: bool
    decision_date: date
    effective: date
    start: date
    expiry: date
    decision_due_by: date  # the recertification decision, by expiry at the latest
    restorable_until: date  # the last day a recertification decision can restore it
    audits: tuple[CycleAudit, ...]
    restored: bool = False

    @property
    def due(self) -> tuple[CycleAudit, ...]:
        """The audits still to plan in this cycle, history left out."""
        return tuple(a for a in self.audits if not a.history)

    def audit(self, key: str) -> CycleAudit:
        for a in self.audits:
            if a.key == key:
                return a
        raise KeyError(key)


def programme(
    policy: CyclePolicy,
    *,
    decision_date: date,
    first_cycle: bool,
    stage2_last_day: date | None = None,
    previous_expiry: date | None = None,
) -> Programme:
    """The cycle a certification decision starts.

    Initial cycle (`first_cycle=True`): expiry = decision + cycle_years (- 1 day, see
    `CyclePolicy.expiry_minus_one_day`); a 29 February decision moves to 28 February first, so
    29 Feb 2024 gives 27 Feb 2027 with the day off: never longer than three years.

    Renewal (`first_cycle=False`, `previous_expiry` required), by `renewal_status`: decided by
    the previous expiry, or within the restoration period after it, the new expiry is the old
    one + cycle_years (cycle dates stay aligned, 17021-1 9.6.3); a restored certificate is
    effective on its decision date only. Later than that raises RestorationPeriodOver.
    """
    if first_cycle:
        if previous_expiry is not None:
            raise CycleError("An initial cycle has no previous expiry.")
        if stage2_last_day is not None and stage2_last_day > decision_date:
            raise CycleError(
                f"The decision ({decision_date}) cannot come before stage 2 ends "
                f"({stage2_last_day})."
            )
        expiry = add_months(decision_date, 12 * policy.cycle_years)
        if policy.expiry_minus_one_day:
            expiry -= DAY
        return programme_on_dates(
            policy,
            first_cycle=True,
            decision_date=decision_date,
            start=decision_date,
            expiry=expiry,
            stage2_last_day=stage2_last_day,
        )
    if previous_expiry is None:
        raise CycleError("A renewal needs the previous certificate's expiry date.")
    if stage2_last_day is not None:
        raise CycleError("A renewal has no stage 2; after a lapse, start an initial cycle.")
    status = renewal_status(policy, previous_expiry, decision_date)
    if status is RenewalStatus.NEW_CERTIFICATION_NEEDED:
        raise RestorationPeriodOver(
            previous_expiry, add_months(previous_expiry, policy.restoration_months), decision_date
        )
    start = previous_expiry + DAY if policy.expiry_minus_one_day else previous_expiry
    expiry = add_months(previous_expiry, 12 * policy.cycle_years)
    return programme_on_dates(
        policy,
        first_cycle=False,
        decision_date=decision_date,
        start=start,
        expiry=expiry,
        restored=status is RenewalStatus.RESTORED,
    )


def renewal_status(
    policy: CyclePolicy, previous_expiry: date, decision_date: date
) -> RenewalStatus:
    """Whether a recertification decided on `decision_date` continues the previous cycle."""
    if decision_date <= previous_expiry:
        return RenewalStatus.TIMELY
    if decision_date <= add_months(previous_expiry, policy.restoration_months):
        return RenewalStatus.RESTORED
    return RenewalStatus.NEW_CERTIFICATION_NEEDED


def normalise_done(
    prog: Programme, done: Iterable[str] | Mapping[str, date | None]
) -> dict[str, date | None]:
    """`done` as key -> date held (None when only known to be done), every key checked.

    AuditType members work where they name one audit (RECERTIFICATION); a bare "surveillance"
    is refused because a cycle has several.
    """
    pairs = done.items() if isinstance(done, Mapping) else ((key, None) for key in done)
    keys = {a.key for a in prog.audits}
    result: dict[str, date | None] = {}
    for raw_key, held_on in pairs:
        key = str(raw_key)
        if key not in keys:
            hint = (
                " (say which: surveillance1, surveillance2, ...)" if key == "surveillance" else ""
            )
            raise CycleError(
                f"{key!r} is not an audit of this cycle{hint}; its audits are "
                f"{', '.join(sorted(keys))}."
            )
        result[key] = held_on
    return result


def programme_on_dates(
    policy: CyclePolicy,
    *,
    first_cycle: bool,
    decision_date: date,
    start: date,
    expiry: date,
    stage2_last_day: date | None = None,
    restored: bool = False,
) -> Programme:
    """A programme on dates already fixed (a transfer, an imported certificate): `start` is the
    date surveillances count from, `expiry` is kept as given. `programme` computes them."""
    if expiry <= start:
        raise CycleError(f"The expiry ({expiry}) must come after the cycle start ({start}).")
    recert_due = expiry - timedelta(days=policy.recert_decision_days)
    audits = _history(stage2_last_day) if first_cycle else []
    audits += _surveillances(policy, first_cycle, start, recert_due)
    audits.append(_recertification(policy, expiry, recert_due))
    return Programme(
        policy=policy,
        first_cycle=first_cycle,
        decision_date=decision_date,
        effective=decision_date,
        start=start,
        expiry=expiry,
        decision_due_by=expiry,
        restorable_until=add_months(expiry, policy.restoration_months),
        audits=tuple(audits),
        restored=restored,
    )


def _history(stage2_last_day: date | None) -> list[CycleAudit]:
    """Stage 1 and 2 came before the initial decision: kept for the record, never due."""
    return [
        CycleAudit(
            "stage1",
            AuditType.STAGE1,
            None,
            None,
            None,
            "stage 1: readiness review before stage 2 (history of the initial cycle)",
            history=True,
        ),
        CycleAudit(
            "stage2",
            AuditType.STAGE2,
            None,
            None,
            None,
            "stage 2: ends before the initial decision (history of the initial cycle)",
            history=True,
            held_on=stage2_last_day,
        ),
    ]


def _surveillances(
    policy: CyclePolicy, first_cycle: bool, start: date, recert_due: date
) -> list[CycleAudit]:
    """Surveillance 1: within first_surveillance_months of the start (the initial decision;
    for a renewal the aligned cycle start, our choice, which keeps the previous cycle's rhythm
    and one surveillance per calendar year). It may be held from surveillance_early_months
    before its due date.

    Surveillance n > 1: in the calendar year after surveillance n-1's due year (at least once
    per calendar year), so its window is that whole year and it is due by 31 December; no
    later than surveillance_max_gap_months after n-1's due date when the policy sets a cap;
    and never after the recertification audit is due. A one-year cycle has none.
    """
    if policy.cycle_years < 2:
        return []
    name = policy.surveillance_name
    due = min(add_months(start, policy.first_surveillance_months), recert_due)
    since = "the initial certification decision" if first_cycle else "the aligned cycle start"
    result = [
        CycleAudit(
            "surveillance1",
            AuditType.SURVEILLANCE,
            1,
            max(start, add_months(due, -policy.surveillance_early_months)),
            due,
            f"first {name} no later than {policy.first_surveillance_months} months after "
            f"{since} ({policy.cite('9.1.3')})",
        )
    ]
    for number in range(2, policy.cycle_years):
        previous = due
        year = previous.year + 1
        due = date(year, 12, 31)
        rule = (
            f"{name} {number} in calendar year {year}, the year after {name} {number - 1}: "
            f"one per calendar year outside the recertification year ({policy.cite('9.1.3')})"
        )
        gap = policy.surveillance_max_gap_months
        if gap is not None and add_months(previous, gap) < due:
            due = add_months(previous, gap)
            rule += f", and within {gap} months of {name} {number - 1}'s due date"
        if recert_due < due:
            due = recert_due
            rule += ", and before the recertification audit is due"
        result.append(
            CycleAudit(
                f"surveillance{number}",
                AuditType.SURVEILLANCE,
                number,
                min(date(year, 1, 1), due),
                due,
                rule,
            )
        )
    return result


def _recertification(policy: CyclePolicy, expiry: date, due: date) -> CycleAudit:
    """The recertification audit: its window opens recert_lead_months before expiry and it must
    end recert_decision_days before expiry, so the decision is taken while still valid."""
    return CycleAudit(
        "recertification",
        AuditType.RECERTIFICATION,
        None,
        add_months(expiry, -policy.recert_lead_months),
        due,
        f"recertification audit from {policy.recert_lead_months} months before expiry, ending "
        f"{policy.recert_decision_days} days before it so that the decision is taken before "
        f"the certificate expires ({policy.cite('9.6.3')})",
    )
