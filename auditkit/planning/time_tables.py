"""The audit-time tables and planning settings, read from `data/audit_time.yaml`.

The IAF values live in that file, not in code: an IAF issue or a CB's own configuration changes
the file, and the file is checked on load so a typo (a band gap, a 2.25-day value, a misspelt
column) stops the planner with `file: what is wrong` instead of quietly giving the wrong days.
No Flask and no database here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).parent / "data" / "audit_time.yaml"
SINGLE_COLUMN = "days"
PROGRESSIONS = ("follow_progression", "refuse")
HALF = Decimal("0.5")

# The IAF ceilings a CB's configuration may tighten but never loosen.
_IAF_CEILINGS = {
    "offsite_max_percent": 20,
    "reductions_cap_percent": 30,
    "site_reduction_cap_percent": 50,
    "integration_reduction_cap_percent": 20,
}


class PlanningError(ValueError):
    """Planning input that cannot give an audit time or a sample; the message says why."""


class AuditTimeError(PlanningError):
    """Audit-time input the rules refuse (personnel < 1, a missing reason, a cap exceeded...)."""


class AuditTimeDataError(ValueError):
    """The data file is wrong; `errors` lists every problem as `file: what is wrong`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Column:
    name: str
    confirmed: bool = True
    note: str = ""


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    days: Mapping[str, Decimal]


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    source: str
    confirmed: bool
    applies_to: tuple[str, ...]
    columns: tuple[Column, ...]
    above_last_band: str
    bands: tuple[Band, ...]

    @property
    def needs_complexity(self) -> bool:
        """A table with the one column `days` (QMS, ISMS) takes no complexity category."""
        return [c.name for c in self.columns] != [SINGLE_COLUMN]

    @property
    def label(self) -> str:
        """How the working names the standard: the first standard the table applies to."""
        return self.applies_to[0]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class CBConfig:
    """The CB's planning settings (defaults in the data file follow IAF MD 5, MD 1 and MD 11)."""

    stage1_share_percent: Decimal
    stage1_minimum_days: Decimal
    offsite_max_percent: Decimal
    reductions_cap_percent: Decimal
    site_reduction_cap_percent: Decimal
    integration_reduction_cap_percent: Decimal
    surveillance_fraction: Fraction
    recertification_fraction: Fraction
    rounding_days: Decimal


@dataclass(frozen=True)
class SamplingRules:
    source: str
    factors: Mapping[str, Fraction]
    random_share: Fraction
    not_appropriate_surveillance_share: Fraction


@dataclass(frozen=True)
class AuditTimeData:
    path: Path
    tables: Mapping[str, Table]
    config: CBConfig
    integration_levels: Mapping[str, Decimal]
    sampling: SamplingRules


@dataclass(frozen=True)
class Lookup:
    """One table lookup and the line of working that explains it."""

    table: Table
    personnel: int
    column: str
    band_low: int
    band_high: int
    days: Decimal
    extrapolated: bool
    confirmed: bool
    working: str


def load_tables(path: Path | str | None = None) -> AuditTimeData:
    """The tables and settings of `path` (default: the shipped file), read once and cached."""
    return _load(Path(path) if path is not None else DATA_FILE)


@lru_cache(maxsize=8)
def _load(path: Path) -> AuditTimeData:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditTimeDataError([f"{path}: cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise AuditTimeDataError([f"{path}: not valid YAML: {exc}"]) from exc
    return _Reader(path).read(raw)


def round_to_step(value: Decimal, step: Decimal = HALF, *, down: bool = False) -> Decimal:
    """Round to the nearest multiple of `step`, halves up (5.25 -> 5.5), or down when asked.

    Decimal throughout: 22.5 x (1 - 0.30) as a float is 15.749999999999998, which would round
    to 15.5 days instead of 16.
    """
    units = (value / step).quantize(Decimal(1), rounding=ROUND_FLOOR if down else ROUND_HALF_UP)
    return (units * step).quantize(Decimal("0.1"))


def format_days(value: Decimal) -> str:
    """`4.0`, `3.6`, `7.735`: one decimal at least, no trailing zeros beyond it."""
    text = f"{value.quantize(Decimal('0.001')).normalize():f}"
    return text if "." in text else f"{text}.0"


def find_table(standard_or_table: str, data: AuditTimeData | None = None) -> Table:
    """The table with this id (`qms`) or applying to this standard (`ISO 9001`), any case."""
    data = data or load_tables()
    key = standard_or_table.strip().casefold()
    for table in data.tables.values():
        if key == table.id or key in (s.casefold() for s in table.applies_to):
            return table
    known = ", ".join(s for t in data.tables.values() for s in t.applies_to)
    raise AuditTimeError(f"no audit-time table for {standard_or_table!r}; tables exist for {known}")


def lookup(
    standard_or_table: str,
    personnel: int,
    complexity: str | None = None,
    *,
    data: AuditTimeData | None = None,
) -> Lookup:
    """The table days for `personnel` effective personnel, with the band that gave them."""
    table = find_table(standard_or_table, data)
    if isinstance(personnel, bool) or not isinstance(personnel, int):
        raise AuditTimeError(f"{table.label}: effective personnel must be a whole number")
    if personnel < 1:
        raise AuditTimeError(
            f"{table.label}: effective personnel must be at least 1, not {personnel}"
        )
    column = _column(table, complexity)
    last = table.bands[-1]
    band = next((b for b in table.bands if b.low <= personnel <= b.high), None)
    if band is not None:
        low, high, days, extrapolated = band.low, band.high, band.days[column], False
    elif table.above_last_band == "refuse":
        raise AuditTimeError(
            f"{table.label}: {personnel} effective personnel is above the table's last band "
            f"({last.low}–{last.high}); the CB sets the audit time by hand"
        )
    else:
        # Follow the progression: beyond the last band, every further block of personnel as wide
        # as the last band adds the step in days between the last two bands. QMS: 8501-10700 is
        # 2200 wide and 1 day more than 6801-8500, so 10701-12900 -> 23 days, 12901-15100 -> 24.
        previous = table.bands[-2]
        width = last.high - last.low + 1
        step = last.days[column] - previous.days[column]
        blocks = math.ceil((personnel - last.high) / width)
        low = last.high + (blocks - 1) * width + 1
        high = last.high + blocks * width
        days, extrapolated = last.days[column] + blocks * step, True
    confirmed = table.confirmed and table.column(column).confirmed
    where = f"band {low}–{high}"
    if extrapolated:
        where = f"above the last band {last.low}–{last.high}, progression gives {where}"
    of_column = f" {column}" if table.needs_complexity else ""
    working = (
        f"{table.label}: {personnel} effective personnel → {where} → {format_days(days)} days "
        f"({table.title}{of_column}{'' if confirmed else ', unconfirmed'})"
    )
    return Lookup(table, personnel, column, low, high, days, extrapolated, confirmed, working)


def table_days(
    standard_or_table: str,
    personnel: int,
    complexity: str | None = None,
    *,
    data: AuditTimeData | None = None,
) -> Decimal:
    """The initial audit time (stage 1 + stage 2) the table gives, before any adjustment."""
    return lookup(standard_or_table, personnel, complexity, data=data).days


def _column(table: Table, complexity: str | None) -> str:
    names = [c.name for c in table.columns]
    if not table.needs_complexity:
        if complexity is not None:
            raise AuditTimeError(
                f"{table.label}: {table.title} has one column; it takes no complexity "
                f"(got {complexity!r})"
            )
        return SINGLE_COLUMN
    if complexity is None:
        raise AuditTimeError(f"{table.label}: {table.title} needs a complexity: {', '.join(names)}")
    key = complexity.strip().casefold()
    if key not in names:
        raise AuditTimeError(
            f"{table.label}: {table.title} has no complexity {complexity!r}; "
            f"it has {', '.join(names)}"
        )
    return key


class _Reader:
    """Builds AuditTimeData from the parsed YAML, collecting every problem before raising."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, where: str, what: str) -> None:
        self.errors.append(f"{self.path}: {where}: {what}")

    def read(self, raw: Any) -> AuditTimeData:
        if not isinstance(raw, dict):
            raise AuditTimeDataError([f"{self.path}: the file must be a mapping of sections"])
        known = {"format", "tables", "cb_configuration", "integration_levels", "sampling"}
        for key in raw.keys() - known:
            self.error(str(key), "unknown section")
        if raw.get("format") != 1:
            self.error("format", f"must be 1, not {raw.get('format')!r}")
        tables = self.tables(raw.get("tables"))
        config = self.config(raw.get("cb_configuration"))
        levels = self.levels(raw.get("integration_levels"), config)
        sampling = self.sampling(raw.get("sampling"))
        if self.errors or config is None or sampling is None:
            raise AuditTimeDataError(self.errors)
        return AuditTimeData(self.path, tables, config, levels, sampling)

    def number(self, where: str, value: Any, *, half_days: bool = False) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.error(where, f"must be a number, not {value!r}")
            return None
        try:
            # str() first: YAML gives 2.5 as a float, and Decimal(str(2.5)) is exactly 2.5.
            number = Decimal(str(value))
        except ArithmeticError:
            self.error(where, f"must be a number, not {value!r}")
            return None
        if not number.is_finite():
            self.error(where, f"must be a finite number, not {value!r}")
            return None
        if half_days and (number <= 0 or number % HALF != 0):
            self.error(where, f"{value} days is not a positive multiple of 0.5")
            return None
        return number

    def fraction(self, where: str, value: Any, *, ceiling: Fraction = Fraction(1)) -> Fraction:
        try:
            result = Fraction(str(value)) if not isinstance(value, bool) else None
        except (ValueError, ZeroDivisionError):
            result = None
        if result is None or not 0 < result <= ceiling:
            self.error(where, f"must be a number or fraction above 0 and at most {ceiling}")
            return Fraction(1)
        return result

    def tables(self, raw: Any) -> dict[str, Table]:
        if not isinstance(raw, dict) or not raw:
            self.error("tables", "must map table ids to tables")
            return {}
        tables: dict[str, Table] = {}
        seen: dict[str, str] = {}
        for table_id, body in raw.items():
            where = f"tables.{table_id}"
            if not isinstance(table_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", table_id):
                self.error(where, "a table id is lower-case letters, digits and _")
                continue
            table = self.table(where, table_id, body)
            if table is None:
                continue
            for standard in table.applies_to:
                other = seen.setdefault(standard.casefold(), table_id)
                if other != table_id:
                    self.error(f"{where}.applies_to", f"{standard!r} is already in {other}")
            tables[table_id] = table
        return tables

    def table(self, where: str, table_id: str, body: Any) -> Table | None:
        if not isinstance(body, dict):
            self.error(where, "must be a mapping")
            return None
        known = {"title", "source", "confirmed", "applies_to", "columns", "above_last_band"}
        for key in body.keys() - known - {"bands"}:
            self.error(f"{where}.{key}", "unknown key")
        texts = {k: body.get(k) for k in ("title", "source")}
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                self.error(f"{where}.{key}", "must be a non-empty text")
        confirmed = body.get("confirmed")
        if not isinstance(confirmed, bool):
            self.error(f"{where}.confirmed", "must be true or false")
        applies = body.get("applies_to")
        if not (isinstance(applies, list) and applies and all(isinstance(s, str) for s in applies)):
            self.error(f"{where}.applies_to", "must list the checklists' standard values")
            applies = []
        progression = body.get("above_last_band")
        if progression not in PROGRESSIONS:
            self.error(f"{where}.above_last_band", f"must be one of {', '.join(PROGRESSIONS)}")
        columns = self.columns(f"{where}.columns", body.get("columns"))
        bands = self.bands(f"{where}.bands", body.get("bands"), [c.name for c in columns])
        if progression == "follow_progression" and len(bands) < 2:
            self.error(f"{where}.bands", "following the progression needs at least two bands")
        if not columns or not bands:
            return None
        return Table(
            id=table_id,
            title=str(texts["title"]),
            source=str(texts["source"]),
            confirmed=bool(confirmed),
            applies_to=tuple(applies),
            columns=tuple(columns),
            above_last_band=str(progression),
            bands=tuple(bands),
        )

    def columns(self, where: str, raw: Any) -> list[Column]:
        if not isinstance(raw, list) or not raw:
            self.error(where, "must list the table's columns")
            return []
        columns: list[Column] = []
        for index, item in enumerate(raw):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z]+", name):
                self.error(f"{where}[{index}]", "a column needs a lower-case name")
                continue
            if name in (c.name for c in columns):
                self.error(f"{where}[{index}]", f"column {name!r} appears twice")
                continue
            confirmed = item.get("confirmed", True)
            if not isinstance(confirmed, bool):
                self.error(f"{where}[{index}].confirmed", "must be true or false")
            columns.append(Column(name, confirmed is not False, str(item.get("note", ""))))
        names = [c.name for c in columns]
        if SINGLE_COLUMN in names and names != [SINGLE_COLUMN]:
            self.error(where, f"{SINGLE_COLUMN!r} is only for a table with one column")
        return columns

    def bands(self, where: str, raw: Any, columns: list[str]) -> list[Band]:
        if not isinstance(raw, list) or not raw:
            self.error(where, "must list the personnel bands")
            return []
        bands: list[Band] = []
        for index, item in enumerate(raw):
            at = f"{where}[{index}]"
            if not isinstance(item, dict):
                self.error(at, "a band is a mapping with from, to and the days of each column")
                continue
            low, high = item.get("from"), item.get("to")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
                self.error(at, "from and to must be whole numbers of personnel")
                continue
            assert isinstance(low, int) and isinstance(high, int)
            if low > high:
                self.error(at, f"from {low} is above to {high}")
                continue
            expected = bands[-1].high + 1 if bands else 1
            if low > expected:
                self.error(at, f"gap: no band covers {expected}–{low - 1} personnel")
            elif low < expected:
                self.error(at, f"overlap: {low}–{min(high, expected - 1)} is already in a band")
            for key in item.keys() - {"from", "to"} - set(columns):
                self.error(
                    at, f"unknown column {key!r} (the table's columns: {', '.join(columns)})"
                )
            days: dict[str, Decimal] = {}
            for name in columns:
                if name not in item:
                    self.error(at, f"no days for column {name!r}")
                    continue
                value = self.number(f"{at}.{name}", item[name], half_days=True)
                if value is None:
                    continue
                if bands and name in bands[-1].days and value < bands[-1].days[name]:
                    self.error(f"{at}.{name}", "days fall although personnel rise")
                days[name] = value
            if len(days) == len(columns):
                bands.append(Band(low, high, days))
            elif bands:
                # Keep the range so the next band's gap check stays meaningful.
                bands.append(Band(low, high, dict(bands[-1].days)))
        return bands

    def config(self, raw: Any) -> CBConfig | None:
        fields = CBConfig.__dataclass_fields__
        if not isinstance(raw, dict):
            self.error("cb_configuration", "must be a mapping")
            return None
        for key in raw.keys() - fields.keys():
            self.error(f"cb_configuration.{key}", "unknown setting")
        values: dict[str, Any] = {}
        for name in fields:
            where = f"cb_configuration.{name}"
            if name not in raw:
                self.error(where, "missing")
            elif name.endswith("_fraction"):
                values[name] = self.fraction(where, raw[name])
            else:
                number = self.number(where, raw[name])
                if number is None:
                    continue
                ceiling = _IAF_CEILINGS.get(name, 100 if name.endswith("_percent") else None)
                if number <= 0 and name != "stage1_minimum_days":
                    self.error(where, "must be above 0")
                elif ceiling is not None and number > ceiling:
                    self.error(where, f"{number} is above the limit of {ceiling}")
                values[name] = number
        if len(values) != len(fields):
            return None
        return CBConfig(**values)

    def levels(self, raw: Any, config: CBConfig | None) -> dict[str, Decimal]:
        if not isinstance(raw, dict) or not raw:
            self.error("integration_levels", "must map level names to signed percentages")
            return {}
        levels: dict[str, Decimal] = {}
        for name, value in raw.items():
            where = f"integration_levels.{name}"
            number = self.number(where, value)
            if number is None:
                continue
            if config and number < -config.integration_reduction_cap_percent:
                cap = config.integration_reduction_cap_percent
                self.error(where, f"{number}% is beyond the integration reduction cap of {cap}%")
            levels[str(name)] = number
        return levels

    def sampling(self, raw: Any) -> SamplingRules | None:
        if not isinstance(raw, dict):
            self.error("sampling", "must be a mapping")
            return None
        kinds = ("initial", "surveillance", "recertification")
        factors = raw.get("factors")
        if not isinstance(factors, dict) or set(factors) != set(kinds):
            self.error("sampling.factors", f"must give a factor for each of {', '.join(kinds)}")
            factors = {}
        return SamplingRules(
            source=str(raw.get("source", "")),
            factors={k: self.fraction(f"sampling.factors.{k}", v) for k, v in factors.items()},
            random_share=self.fraction("sampling.random_share", raw.get("random_share")),
            not_appropriate_surveillance_share=self.fraction(
                "sampling.not_appropriate_surveillance_share",
                raw.get("not_appropriate_surveillance_share"),
            ),
        )
