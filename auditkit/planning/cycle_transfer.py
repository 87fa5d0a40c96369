"""A certificate transferred from another CB (IAF MD 2): the current cycle continues on the
issuing CB's dates, so the accepting CB plans only what remains of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from auditkit.planning.cycle import (
    CycleAudit,
    CycleError,
    Programme,
    normalise_done,
    programme_on_dates,
)
from auditkit.planning.cycle_policy import CyclePolicy


@dataclass(frozen=True)
class Transfer:
    """A certificate taken over from another CB: the programme on the issuing CB's dates, what
    was held there, and the audits that remain for the accepting CB."""

    programme: Programme
    done: Mapping[str, date | None]
    remaining: tuple[CycleAudit, ...]


def transfer(
    policy: CyclePolicy,
    *,
    cycle_start: date,
    expiry: date,
    first_cycle: bool,
    decision_date: date,
    done: Iterable[str] | Mapping[str, date | None] = (),
) -> Transfer:
    """The rest of a transferred cycle (IAF MD 2: the current cycle normally continues).

    `cycle_start` and `expiry` are the issuing CB's: for a first cycle its initial decision
    date, otherwise the cycle start on its certificate. Expiry is taken as given, never
    recomputed, because that CB's convention (- 1 day or not) is the one the cycle runs on.
    `decision_date` is the accepting CB's transfer decision, the new certificate's effective
    date; `done` the audits the issuing CB held ("surveillance1", or a mapping to the date).
    """
    prog = programme_on_dates(
        policy,
        first_cycle=first_cycle,
        decision_date=decision_date,
        start=cycle_start,
        expiry=expiry,
    )
    if not cycle_start <= decision_date <= expiry:
        raise CycleError(
            f"A transfer decided on {decision_date} is outside the issuing CB's cycle "
            f"({cycle_start} to {expiry}): an expired certificate cannot be continued."
        )
    held = normalise_done(prog, done)
    remaining = tuple(a for a in prog.due if a.key not in held)
    return Transfer(programme=prog, done=held, remaining=remaining)
