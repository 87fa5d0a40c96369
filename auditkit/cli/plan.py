"""`auditkit plan ...`: the planner's audit-time calculator and multi-site sample size."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import IO, Any

import click

from auditkit.checklists import ChecklistInvalid, load_checklist, shipped_checklists_dir
from auditkit.planning.audit_time import (
    Adjustment,
    AuditTime,
    AuditTimeDataError,
    Integration,
    PlanningError,
    StandardInput,
    audit_time,
    find_table,
    parse_adjustment,
)
from auditkit.planning.sampling import AUDIT_KINDS, sample_size
from auditkit.planning.time_tables import format_days


class PlanInputError(click.UsageError):
    """Bad planning input: one line on stderr and exit code 2, no usage text, no traceback."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


def _number(value: Decimal) -> float:
    """Days and percents as JSON numbers; half days are exact in binary, so nothing drifts."""
    return float(value)


def _standard_of(checklist_id: str) -> str:
    directory = shipped_checklists_dir()
    path = directory / f"{checklist_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.yaml"))
        raise PlanInputError(
            f"there is no checklist called {checklist_id!r}; the checklists are {', '.join(known)}"
        )
    try:
        return load_checklist(path).standard
    except ChecklistInvalid as exc:
        raise PlanInputError(f"checklist {checklist_id!r} is not valid: {exc}") from exc


def _split_target(text: str, ids: list[str], option: str) -> tuple[str | None, str]:
    """`iso14001-2015=high` -> ("iso14001-2015", "high"); `high` -> (None, "high")."""
    head, sep, rest = text.partition("=")
    if not sep or ":" in head:
        return None, text
    if head not in ids:
        raise PlanInputError(f"{option} {text!r} names {head!r}, which is not a --standard")
    return head, rest


def _inputs(
    ids: list[str], personnel: int, complexities: tuple[str, ...], adjusts: tuple[str, ...]
) -> list[StandardInput]:
    standards = {checklist_id: _standard_of(checklist_id) for checklist_id in ids}
    complexity: dict[str, str] = {}
    everywhere: str | None = None
    for text in complexities:
        target, level = _split_target(text, ids, "--complexity")
        if target is None:
            everywhere = level
        else:
            complexity[target] = level
    adjustments: dict[str, list[Adjustment]] = {checklist_id: [] for checklist_id in ids}
    for text in adjusts:
        target, rest = _split_target(text, ids, "--adjust")
        adjustment = parse_adjustment(rest)
        for checklist_id in [target] if target else ids:
            adjustments[checklist_id].append(adjustment)
    if everywhere is not None and not any(find_table(standards[i]).needs_complexity for i in ids):
        raise PlanInputError(
            f"--complexity {everywhere}: none of {', '.join(standards.values())} takes a complexity"
        )
    inputs = []
    for checklist_id in ids:
        table = find_table(standards[checklist_id])
        level = complexity.get(checklist_id, everywhere if table.needs_complexity else None)
        inputs.append(
            StandardInput(
                standards[checklist_id], personnel, level, tuple(adjustments[checklist_id])
            )
        )
    return inputs


def _integration(text: str | None) -> Integration | str | None:
    if text is None or ":" not in text:
        return text
    adjustment = parse_adjustment(text)
    return Integration(adjustment.percent, adjustment.reason)


def _as_json(ids: list[str], result: AuditTime) -> dict[str, Any]:
    return {
        "standards": [
            {
                "checklist_id": checklist_id,
                "standard": item.standard,
                "table": item.lookup.table.id,
                "table_title": item.lookup.table.title,
                "confirmed": item.lookup.confirmed,
                "personnel": item.lookup.personnel,
                "complexity": item.lookup.column if item.lookup.table.needs_complexity else None,
                "band": [item.lookup.band_low, item.lookup.band_high],
                "above_last_band": item.lookup.extrapolated,
                "table_days": _number(item.lookup.days),
                "adjustments": [
                    {"percent": _number(a.percent), "reason": a.reason} for a in item.adjustments
                ],
                "net_adjustment_percent": _number(item.net_percent),
                "adjusted_days": _number(item.days),
            }
            for checklist_id, item in zip(ids, result.standards, strict=True)
        ],
        "integration": None
        if result.integration is None
        else {
            "level": result.integration.level,
            "percent": _number(result.integration.percent),
            "reason": result.integration.reason,
        },
        "total_days": _number(result.total_days),
        "initial_days": _number(result.initial_days),
        "stage1_days": _number(result.stage1_days),
        "stage2_days": _number(result.stage2_days),
        "surveillance_days": _number(result.surveillance_days),
        "recertification_days": _number(result.recertification_days),
        "offsite_max_days": _number(result.offsite_max_days),
        "onsite_min_days": _number(result.onsite_min_days),
        "remote_days": _number(result.remote_days),
        "unconfirmed": list(result.unconfirmed),
        "working": list(result.working),
    }


@click.group()
def plan() -> None:
    """Plan audits: audit time (IAF MD 5, ISO/IEC 27006, MD 11) and multi-site samples (MD 1)."""


@plan.command("audit-time")
@click.option(
    "--standard",
    "standards",
    multiple=True,
    required=True,
    metavar="CHECKLIST_ID",
    help="A checklist id, e.g. iso9001-2015; repeat it for an integrated audit.",
)
@click.option("--personnel", type=int, required=True, help="Effective personnel in scope.")
@click.option(
    "--complexity",
    "complexities",
    multiple=True,
    metavar="LEVEL|CHECKLIST_ID=LEVEL",
    help="high, medium, low or limited, for the standards whose table has them (EMS, OH&SMS).",
)
@click.option(
    "--integration",
    metavar="LEVEL|PERCENT:REASON",
    help="none, low, medium, high or full, or a signed percentage with a reason (MD 11).",
)
@click.option(
    "--adjust",
    "adjusts",
    multiple=True,
    metavar="[CHECKLIST_ID=]PERCENT:REASON",
    help="-10:mature system reduces, +10:... adds; without an id it applies to every standard.",
)
@click.option("--remote", default="0", metavar="DAYS", help="Days planned remotely (MD 4).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def audit_time_command(
    standards: tuple[str, ...],
    personnel: int,
    complexities: tuple[str, ...],
    integration: str | None,
    adjusts: tuple[str, ...],
    remote: str,
    as_json: bool,
) -> None:
    """Initial, stage 1, stage 2, surveillance and recertification days, with the working.

    \b
    --json prints one object with these keys:
      standards             one entry per --standard: checklist_id, standard, table,
                            table_title, confirmed, personnel, complexity (null for one-column
                            tables), band [from, to], above_last_band, table_days,
                            adjustments [{percent, reason}], net_adjustment_percent,
                            adjusted_days
      integration           null, or {level (null for an explicit percentage), percent, reason}
      total_days            after adjustments and integration, before rounding
      initial_days          stage 1 + stage 2, rounded to the half day
      stage1_days, stage2_days, surveillance_days (each), recertification_days
      offsite_max_days, onsite_min_days, remote_days
      unconfirmed           notes on values to verify (single-source or CB configuration)
      working               every step, as the text output prints it
    Days and percents are numbers; a reduction is a negative percent.
    """
    ids = list(dict.fromkeys(standards))
    try:
        result = audit_time(
            _inputs(ids, personnel, complexities, adjusts),
            integration=_integration(integration),
            remote_days=remote,
        )
    except AuditTimeDataError as exc:
        raise click.ClickException(str(exc)) from exc
    except PlanningError as exc:
        raise PlanInputError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(_as_json(ids, result), indent=2, ensure_ascii=False))
        return
    names = " + ".join(item.standard for item in result.standards)
    rows = [
        ("initial (stage 1 + stage 2)", result.initial_days),
        ("stage 1", result.stage1_days),
        ("stage 2", result.stage2_days),
        ("surveillance (each)", result.surveillance_days),
        ("recertification", result.recertification_days),
        ("off-site at most", result.offsite_max_days),
        ("on-site at least", result.onsite_min_days),
    ]
    if result.remote_days:
        rows.append(("remote (ICT), counted as audit time", result.remote_days))
    click.echo(f"Audit time: {names}, {personnel} effective personnel")
    width = max(len(label) for label, _ in rows)
    for label, days in rows:
        click.echo(f"  {label + ':':<{width + 1}} {format_days(days):>5} days")
    click.echo("Working:")
    for number, step in enumerate(result.working, start=1):
        click.echo(f"  {number}. {step}")
    if result.unconfirmed:
        click.echo("Some values are unconfirmed: check them before quoting this audit time.")


@plan.command("sample")
@click.option("--sites", type=int, required=True, help="Sites other than the central function (n).")
@click.option("--audit", "audit_kind", type=click.Choice(AUDIT_KINDS), required=True)
@click.option("--not-appropriate", is_flag=True, help="Sampling is not appropriate (MD 1 6.2).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def sample_command(sites: int, audit_kind: str, not_appropriate: bool, as_json: bool) -> None:
    """The minimum number of sites to visit at one audit of a multi-site client (IAF MD 1).

    \b
    --json prints one object with these keys:
      audit                  initial, surveillance or recertification
      sites                  n, the sites other than the central function
      sampling_appropriate   false with --not-appropriate
      sampled_sites          sites in the sample (never more than n)
      visited_sites          the sampled sites plus the central function
      random_minimum         sampled sites to draw at random (0 when every site is visited)
      working                every step, as the text output prints it
    """
    try:
        result = sample_size(sites, audit_kind, sampling_appropriate=not not_appropriate)
    except AuditTimeDataError as exc:
        raise click.ClickException(str(exc)) from exc
    except PlanningError as exc:
        raise PlanInputError(str(exc)) from exc
    if as_json:
        payload = {
            "audit": result.audit_kind,
            "sites": result.sites,
            "sampling_appropriate": result.sampling_appropriate,
            "sampled_sites": result.sampled_sites,
            "visited_sites": result.visited_sites,
            "random_minimum": result.random_minimum,
            "working": list(result.working),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"Sample for the {audit_kind} audit of {sites} sites plus the central function")
    click.echo(f"  sampled sites: {result.sampled_sites}")
    click.echo(f"  sites visited including the central function: {result.visited_sites}")
    if result.random_minimum:
        click.echo(f"  drawn at random: at least {result.random_minimum}")
    click.echo("Working:")
    for number, step in enumerate(result.working, start=1):
        click.echo(f"  {number}. {step}")
