"""Audit time (IAF MD 5, ISO/IEC 27006, MD 11, MD 4): from effective personnel to planned days.

Pure functions over the tables in `data/audit_time.yaml` (see time_tables.py). Every step is
written to a `working` list in plain words, because an accreditation body asks the CB to justify
each day it added or removed: the planner copies the working into the audit programme.

Pipeline (DOMAIN.md 2.6): table days per standard -> adjustments (net reduction at most 30%) ->
sum of the standards -> integration (at most -20%) -> round to the half day -> stage 1 / stage 2,
surveillance 1/3, recertification 2/3 -> off-site allowance and on-site minimum -> remote share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from auditkit.planning.time_tables import (
    AuditTimeData,
    AuditTimeDataError,
    AuditTimeError,
    Lookup,
    PlanningError,
    find_table,
    format_days,
    load_tables,
    lookup,
    round_to_step,
    table_days,
)

__all__ = [
    "Adjustment",
    "AuditTime",
    "AuditTimeDataError",
    "AuditTimeError",
    "EffectivePersonnel",
    "Integration",
    "PartTime",
    "PlanningError",
    "StandardInput",
    "StandardTime",
    "apply_adjustments",
    "audit_time",
    "effective_personnel",
    "find_table",
    "format_percent",
    "integration_level",
    "load_tables",
    "lookup",
    "parse_adjustment",
    "round_to_step",
    "table_days",
]

_MINUS = "\u2212"


def _decimal(value: Decimal | int | str | float, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(_MINUS, "-").removesuffix("%"))
    except InvalidOperation:
        raise AuditTimeError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise AuditTimeError(f"{what} must be a finite number, not {value!r}")
    return number


def format_percent(percent: Decimal) -> str:
    """`−10%`, `+5%`: signed, with a true minus sign as the working prints it."""
    text = f"{abs(percent).normalize():f}"
    return f"{_MINUS if percent < 0 else '+'}{text}%"


@dataclass(frozen=True)
class Adjustment:
    """A change to a table value in percent (negative reduces) and why: the reason is required."""

    percent: Decimal
    reason: str

    def __post_init__(self) -> None:
        percent = _decimal(self.percent, "an adjustment")
        object.__setattr__(self, "percent", percent)
        if percent == 0:
            raise AuditTimeError("an adjustment of 0% changes nothing; leave it out")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise AuditTimeError(
                f"the adjustment {format_percent(percent)} needs a reason: every change to the "
                "table value is recorded with its justification"
            )
        object.__setattr__(self, "reason", self.reason.strip())


def parse_adjustment(text: str) -> Adjustment:
    """`"-10:mature system"` -> Adjustment(-10, "mature system"); `+` or no sign adds time."""
    percent, sep, reason = text.partition(":")
    if not sep:
        raise AuditTimeError(
            f"an adjustment is PERCENT:REASON, e.g. -10:mature system; got {text!r}"
        )
    return Adjustment(_decimal(percent, "an adjustment's percentage"), reason)


def apply_adjustments(
    days: Decimal, adjustments: Sequence[Adjustment], cap_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """(adjusted days, net percent). A net reduction beyond the cap is refused, never clamped.

    Refusing makes the planner decide which reduction to drop and record why; clamping would
    leave a justification in the file for a reduction that was not applied.
    """
    net = sum((a.percent for a in adjustments), Decimal(0))
    if net < -cap_percent:
        raise AuditTimeError(
            f"the adjustments reduce the table value by {abs(net).normalize():f}% net; "
            f"reductions are capped at {cap_percent.normalize():f}% (IAF MD 5)"
        )
    return days * (100 + net) / 100, net


@dataclass(frozen=True)
class StandardInput:
    """One standard of the audit: which table, how many effective personnel, what adjustments."""

    standard: str
    personnel: int
    complexity: str | None = None
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class Integration:
    """The MD 11 adjustment to the sum of the standards: a named level or an explicit percent."""

    percent: Decimal
    reason: str
    level: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "percent", _decimal(self.percent, "the integration adjustment"))
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise AuditTimeError("the integration adjustment needs a reason")


def integration_level(level: str, data: AuditTimeData | None = None) -> Integration:
    """The CB's named integration level (`none`, `low` ... `full` in the data file)."""
    data = data or load_tables()
    key = level.strip().casefold()
    if key not in data.integration_levels:
        raise AuditTimeError(
            f"no integration level {level!r}; the levels are {', '.join(data.integration_levels)}"
        )
    return Integration(
        data.integration_levels[key], f"integration level {key} (CB configuration)", key
    )


@dataclass(frozen=True)
class StandardTime:
    lookup: Lookup
    adjustments: tuple[Adjustment, ...]
    net_percent: Decimal
    days: Decimal  # after the adjustments, not rounded

    @property
    def standard(self) -> str:
        return self.lookup.table.label


@dataclass(frozen=True)
class AuditTime:
    """Planned days (Decimal, multiples of the rounding step) and the working that led there."""

    standards: tuple[StandardTime, ...]
    integration: Integration | None
    total_days: Decimal  # sum after adjustments and integration, before rounding
    initial_days: Decimal
    stage1_days: Decimal
    stage2_days: Decimal
    surveillance_days: Decimal
    recertification_days: Decimal
    offsite_max_days: Decimal
    onsite_min_days: Decimal
    remote_days: Decimal
    working: tuple[str, ...]
    unconfirmed: tuple[str, ...] = field(default=())


def _share(days: Decimal, share: Fraction) -> Decimal:
    return days * share.numerator / share.denominator


def audit_time(
    inputs: Sequence[StandardInput],
    *,
    integration: Integration | str | None = None,
    remote_days: Decimal | int | str = 0,
    data: AuditTimeData | None = None,
) -> AuditTime:
    """The initial, stage 1/2, surveillance and recertification days of one (integrated) audit."""
    data = data or load_tables()
    config = data.config
    step = config.rounding_days
    if not inputs:
        raise AuditTimeError("name at least one standard")
    working: list[str] = []
    unconfirmed: list[str] = []
    standards: list[StandardTime] = []
    for item in inputs:
        found = lookup(item.standard, item.personnel, item.complexity, data=data)
        if any(s.lookup.table.id == found.table.id for s in standards):
            raise AuditTimeError(f"{found.table.label} is named twice")
        working.append(found.working)
        if not found.confirmed:
            column = found.table.column(found.column)
            note = column.note or found.table.source
            unconfirmed.append(f"{found.table.label}: {found.table.title}: {note}")
        for adjustment in item.adjustments:
            working.append(
                f"{found.table.label} adjustment {format_percent(adjustment.percent)}: "
                f"{adjustment.reason}"
            )
        days, net = apply_adjustments(found.days, item.adjustments, config.reductions_cap_percent)
        if item.adjustments:
            working.append(
                f"{found.table.label}: net {format_percent(net)} (reductions capped at "
                f"{format_percent(-config.reductions_cap_percent)}): "
                f"{format_days(found.days)} → {format_days(days)} days"
            )
        standards.append(StandardTime(found, tuple(item.adjustments), net, days))

    total = sum((s.days for s in standards), Decimal(0))
    if len(standards) > 1:
        parts = " + ".join(format_days(s.days) for s in standards)
        working.append(
            f"sum of the standards: {parts} = {format_days(total)} days (IAF MD 11 starting point)"
        )
    if isinstance(integration, str):
        integration = integration_level(integration, data)
    if integration is not None and integration.percent != 0:
        if len(standards) < 2:
            raise AuditTimeError("an integration adjustment needs two or more standards")
        cap = config.integration_reduction_cap_percent
        if integration.percent < -cap:
            raise AuditTimeError(
                f"the integration reduction of {abs(integration.percent).normalize():f}% is "
                f"above the cap of {cap.normalize():f}% (IAF MD 11)"
            )
        integrated = total * (100 + integration.percent) / 100
        working.append(
            f"integration {format_percent(integration.percent)}: {integration.reason}: "
            f"{format_days(total)} → {format_days(integrated)} days (IAF MD 11, cap "
            f"{format_percent(-cap)})"
        )
        total = integrated

    initial = round_to_step(total, step)
    working.append(
        f"initial audit time rounded to the half day: {format_days(total)} → "
        f"{format_days(initial)} days"
    )
    if initial < 2 * config.stage1_minimum_days or initial < 2 * step:
        raise AuditTimeError(
            f"an initial audit time of {format_days(initial)} days leaves no time for stage 2"
        )
    share = config.stage1_share_percent
    stage1 = max(round_to_step(initial * share / 100, step), config.stage1_minimum_days)
    stage2 = initial - stage1
    working.append(
        f"stage 1: {share.normalize():f}% of {format_days(initial)} = "
        f"{format_days(initial * share / 100)} → {format_days(stage1)} days (at least "
        f"{format_days(config.stage1_minimum_days)}); stage 2: the rest, {format_days(stage2)} days"
    )
    surveillance = round_to_step(_share(initial, config.surveillance_fraction), step)
    recert = round_to_step(_share(initial, config.recertification_fraction), step)
    working.append(
        f"surveillance: {config.surveillance_fraction} of {format_days(initial)} = "
        f"{format_days(_share(initial, config.surveillance_fraction))} → "
        f"{format_days(surveillance)} days per audit"
    )
    working.append(
        f"recertification: {config.recertification_fraction} of {format_days(initial)} = "
        f"{format_days(_share(initial, config.recertification_fraction))} → "
        f"{format_days(recert)} days"
    )
    # Rounded down: rounding the allowance up could leave on-site time below 80%.
    offsite = round_to_step(initial * config.offsite_max_percent / 100, step, down=True)
    working.append(
        f"off-site (planning, document review, reporting) at most "
        f"{config.offsite_max_percent.normalize():f}% of {format_days(initial)}, rounded down "
        f"to the half day: {format_days(offsite)} days; on-site at least "
        f"{format_days(initial - offsite)} days"
    )
    remote = _decimal(remote_days, "remote days")
    if remote < 0 or remote > initial:
        raise AuditTimeError(
            f"remote days must be between 0 and the initial {format_days(initial)} days"
        )
    if remote:
        working.append(
            f"remote (ICT, IAF MD 4): {format_days(remote)} of the {format_days(initial)} days "
            "are planned remotely; they count as audit time and the plan and report say so"
        )
    for note in unconfirmed:
        working.append(f"unconfirmed: {note}")
    return AuditTime(
        standards=tuple(standards),
        integration=integration if integration is not None and integration.percent else None,
        total_days=total,
        initial_days=initial,
        stage1_days=stage1,
        stage2_days=stage2,
        surveillance_days=surveillance,
        recertification_days=recert,
        offsite_max_days=offsite,
        onsite_min_days=initial - offsite,
        remote_days=remote,
        working=tuple(working),
        unconfirmed=tuple(unconfirmed),
    )


@dataclass(frozen=True)
class PartTime:
    """`count` people each working `hours_per_week`."""

    count: int
    hours_per_week: Decimal | int | str


@dataclass(frozen=True)
class EffectivePersonnel:
    count: int
    exact: Decimal
    working: tuple[str, ...]


def effective_personnel(
    *,
    full_time: int = 0,
    part_time: Sequence[PartTime | tuple[int, Decimal | int | str]] = (),
    temporary: int = 0,
    contractors: int = 0,
    shift_personnel: int = 0,
    full_time_hours: Decimal | int | str = 40,
) -> EffectivePersonnel:
    """The effective number of personnel MD 5 looks up: everyone in scope, on every shift.

    Full-time staff, temporary staff and contractors in scope, and personnel on shifts not
    counted elsewhere count as one each; part-time staff count as their hours against a full-time
    week. The sum is rounded up: a fraction of a person still needs auditing.
    """
    week = _decimal(full_time_hours, "the full-time week")
    if week <= 0:
        raise AuditTimeError("the full-time week must be more than 0 hours")
    working: list[str] = []
    total = Decimal(0)
    for label, count in (
        ("full-time personnel", full_time),
        ("temporary staff in scope", temporary),
        ("contractors in scope", contractors),
        ("personnel on other shifts", shift_personnel),
    ):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AuditTimeError(f"{label} must be a whole number of 0 or more")
        if count:
            working.append(f"{label}: {count}")
            total += count
    for group in part_time:
        count, hours = (group.count, group.hours_per_week) if isinstance(group, PartTime) else group
        hours = _decimal(hours, "part-time hours")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AuditTimeError("a part-time group's count must be a whole number of 0 or more")
        if not 0 < hours <= week:
            raise AuditTimeError(
                f"part-time hours must be above 0 and at most the full-time week "
                f"({week.normalize():f} h), not {hours.normalize():f}"
            )
        equivalent = count * hours / week
        working.append(
            f"part-time: {count} × {hours.normalize():f} h / {week.normalize():f} h = "
            f"{format_days(equivalent)} full-time equivalents"
        )
        total += equivalent
    count = math.ceil(total)
    if count < 1:
        raise AuditTimeError("effective personnel must be at least 1")
    working.append(f"effective personnel: {format_days(total)} → {count} (rounded up; IAF MD 5)")
    return EffectivePersonnel(count, total, tuple(working))
