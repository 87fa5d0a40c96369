"""Audit time: every expected value below is written out from DOMAIN.md section 2 (IAF MD 5,
ISO/IEC 27006, MD 11), never read back from the data file."""

from __future__ import annotations

import dataclasses
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import auditkit
from auditkit.planning.audit_time import (
    Adjustment,
    AuditTimeDataError,
    AuditTimeError,
    Integration,
    PartTime,
    StandardInput,
    audit_time,
    effective_personnel,
    load_tables,
    lookup,
    parse_adjustment,
    round_to_step,
    table_days,
)
from auditkit.planning.time_tables import DATA_FILE

D = Decimal


# --- the tables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("personnel", "days"),
    [
        (1, "1.5"),  # first band 1-5
        (5, "1.5"),
        (6, "2"),
        (25, "3"),  # band edge: 16-25 -> 3 ...
        (26, "4"),  # ... 26-45 -> 4
        (40, "4"),
        (45, "4"),
        (46, "5"),
        (65, "5"),
        (66, "6"),
        (1000, "13"),
        (8501, "22"),
        (10700, "22"),  # last band 8501-10700
    ],
)
def test_qms_table(personnel: int, days: str) -> None:
    assert table_days("ISO 9001", personnel) == D(days)


@pytest.mark.parametrize(
    ("personnel", "complexity", "days"),
    [
        (1, "high", "3"),
        (1, "medium", "2.5"),
        (1, "low", "2.5"),
        (1, "limited", "2.5"),
        (100, "high", "11"),
        (100, "medium", "8"),
        (100, "low", "5.5"),
        (100, "limited", "4"),
        (500, "limited", "6"),
        (25, "high", "5.5"),
        (26, "high", "7"),
        (10700, "high", "34"),
        (10700, "medium", "27"),
        (10700, "low", "20"),
        (10700, "limited", "14"),
    ],
)
def test_ems_table(personnel: int, complexity: str, days: str) -> None:
    assert table_days("ISO 14001", personnel, complexity) == D(days)


@pytest.mark.parametrize(
    ("personnel", "complexity", "days"),
    [
        (1, "high", "3"),
        (1, "medium", "2.5"),
        (1, "low", "2.5"),
        (100, "medium", "8"),
        (100, "high", "11"),
        (300, "low", "8"),
        (1550, "low", "12"),
        (1551, "low", "12"),
        (10700, "high", "34"),
        (10700, "medium", "27"),
        (10700, "low", "20"),
    ],
)
def test_ohsms_table(personnel: int, complexity: str, days: str) -> None:
    assert table_days("ISO 45001", personnel, complexity) == D(days)


@pytest.mark.parametrize(
    ("personnel", "days"),
    [(1, "5"), (10, "5"), (11, "6"), (30, "8.5"), (500, "16.5"), (10700, "28")],
)
def test_isms_table(personnel: int, days: str) -> None:
    assert table_days("ISO/IEC 27001", personnel) == D(days)


@pytest.mark.parametrize(("personnel", "days"), [(1, "1.5"), (100, "4"), (10700, "11")])
def test_vca_table_is_cb_configuration_marked_unconfirmed(personnel: int, days: str) -> None:
    found = lookup("VCA", personnel)
    assert found.days == D(days)
    assert not found.confirmed
    assert "CB configuration" in found.table.title


def test_tables_are_found_by_standard_or_id_in_any_case() -> None:
    assert table_days("qms", 40) == table_days("iso 9001", 40) == D(4)
    assert table_days("ohsms", 100, "MEDIUM") == D(8)


@pytest.mark.parametrize(
    ("standard", "complexity", "personnel", "days"),
    [
        # QMS: 8501-10700 is 2200 wide and 1 day above 6801-8500: each 2200 more adds 1 day.
        ("ISO 9001", None, 10701, "23"),
        ("ISO 9001", None, 12900, "23"),
        ("ISO 9001", None, 12901, "24"),
        # OH&SMS high steps 32 -> 34, so 2 days per 2200.
        ("ISO 45001", "high", 11000, "36"),
        ("ISO 14001", "limited", 15000, "16"),
        ("ISO/IEC 27001", None, 10701, "29"),
    ],
)
def test_above_the_last_band_follows_the_progression(
    standard: str, complexity: str | None, personnel: int, days: str
) -> None:
    found = lookup(standard, personnel, complexity)
    assert found.days == D(days)
    assert found.extrapolated
    assert "above the last band 8501–10700" in found.working


@pytest.mark.parametrize("personnel", [0, -3])
def test_personnel_below_one_is_refused(personnel: int) -> None:
    with pytest.raises(AuditTimeError, match="at least 1"):
        table_days("ISO 9001", personnel)


@pytest.mark.parametrize("standard", ["ISO 14001", "ISO 45001"])
def test_a_missing_complexity_is_refused_where_the_table_needs_one(standard: str) -> None:
    with pytest.raises(AuditTimeError, match="needs a complexity"):
        table_days(standard, 40)


def test_a_complexity_the_table_lacks_is_refused() -> None:
    with pytest.raises(AuditTimeError, match="no complexity 'limited'"):
        table_days("ISO 45001", 40, "limited")
    with pytest.raises(AuditTimeError, match="takes no complexity"):
        table_days("ISO 9001", 40, "high")


def test_an_unknown_standard_is_refused() -> None:
    with pytest.raises(AuditTimeError, match="no audit-time table for 'ISO 50001'"):
        table_days("ISO 50001", 40)


def test_audit_time_error_is_a_value_error() -> None:
    assert issubclass(AuditTimeError, ValueError)


# --- rounding and the result ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("5.3", "5.5"), ("5.2", "5.0"), ("5.25", "5.5"), ("5.75", "6.0"), ("5.74", "5.5")],
)
def test_rounding_to_the_nearest_half_day_halves_up(value: str, rounded: str) -> None:
    assert str(round_to_step(D(value))) == rounded


def test_a_total_of_5_25_days_rounds_up_to_5_5() -> None:
    # QMS 46-65 -> 5 days, +5% -> 5.25 days.
    result = audit_time([StandardInput("ISO 9001", 50, adjustments=(Adjustment(5, "site"),))])
    assert result.total_days == D("5.25")
    assert result.initial_days == D("5.5")
    assert "initial audit time rounded to the half day: 5.25 → 5.5 days" in result.working


def test_a_total_of_5_2_days_rounds_down_to_5() -> None:
    result = audit_time([StandardInput("ISO 9001", 50, adjustments=(Adjustment(4, "permits"),))])
    assert result.initial_days == D(5)


def test_rounding_has_no_float_artefacts() -> None:
    # OH&SMS high 2676-3450 -> 25 days, +13% -> 28.25: half up gives 28.5, where a float
    # 25 * 1.13 = 28.249999999999996 would give 28.0.
    adjustments = (Adjustment(13, "several high-risk processes"),)
    result = audit_time([StandardInput("ISO 45001", 3000, "high", adjustments)])
    assert result.total_days == D("28.25")
    assert result.initial_days == D("28.5")


def test_qms_40_persons_plan() -> None:
    result = audit_time([StandardInput("ISO 9001", 40)])
    assert result.initial_days == D(4)
    assert result.stage1_days == D(1)  # 30% of 4 = 1.2 -> 1.0
    assert result.stage2_days == D(3)
    assert result.surveillance_days == D("1.5")  # 4 / 3 = 1.33 -> 1.5
    assert result.recertification_days == D("2.5")  # 8 / 3 = 2.67 -> 2.5
    assert result.offsite_max_days == D("0.5")  # 20% of 4 = 0.8, rounded down
    assert result.onsite_min_days == D("3.5")
    assert result.working[0] == (
        "ISO 9001: 40 effective personnel → band 26–45 → 4.0 days (IAF MD 5 Table QMS 1)"
    )
    assert result.unconfirmed == ()


def test_surveillance_is_a_third_and_recertification_two_thirds_rounded() -> None:
    result = audit_time([StandardInput("ISO/IEC 27001", 30)])  # 8.5 days
    assert result.surveillance_days == D(3)  # 2.83
    assert result.recertification_days == D("5.5")  # 5.67
    assert result.stage1_days == D("2.5")  # 2.55
    assert result.stage2_days == D(6)
    assert result.offsite_max_days == D("1.5")  # 1.7 rounded down
    assert result.unconfirmed  # the ISMS table is single-source


def test_stage_1_is_at_least_half_a_day() -> None:
    data = load_tables()
    small_share = dataclasses.replace(
        data, config=dataclasses.replace(data.config, stage1_share_percent=D(10))
    )
    result = audit_time([StandardInput("ISO 9001", 3)], data=small_share)  # 1.5 days
    assert result.stage1_days == D("0.5")  # 10% of 1.5 = 0.15 rounds to 0, raised to 0.5
    assert result.stage2_days == D(1)
    larger_minimum = dataclasses.replace(
        data, config=dataclasses.replace(data.config, stage1_minimum_days=D(1))
    )
    result = audit_time([StandardInput("ISO 9001", 8)], data=larger_minimum)  # 2 days
    assert result.stage1_days == D(1)  # 30% of 2 = 0.6 -> 0.5, raised to 1.0
    assert result.stage2_days == D(1)


def test_unconfirmed_columns_are_flagged() -> None:
    assert audit_time([StandardInput("ISO 14001", 500, "limited")]).unconfirmed
    assert audit_time([StandardInput("ISO 14001", 500, "high")]).unconfirmed == ()


def test_remote_days_count_as_audit_time_and_are_recorded() -> None:
    result = audit_time([StandardInput("ISO 9001", 40)], remote_days="1.5")
    assert result.remote_days == D("1.5")
    assert result.initial_days == D(4)  # remote time is not taken off
    assert any("1.5 of the 4.0 days are planned remotely" in step for step in result.working)
    with pytest.raises(AuditTimeError, match="remote days"):
        audit_time([StandardInput("ISO 9001", 40)], remote_days=5)


# --- adjustments (MD 5) -----------------------------------------------------------------------


def test_a_reduction_of_exactly_30_percent_is_allowed() -> None:
    result = audit_time(
        [StandardInput("ISO 9001", 40, adjustments=(Adjustment(-30, "mature, low risk"),))]
    )
    assert result.total_days == D("2.8")
    assert result.initial_days == D(3)
    assert "ISO 9001 adjustment −30%: mature, low risk" in result.working


@pytest.mark.parametrize("percents", [(-31,), (-20, -15), (-40, 5)], ids=["31", "20+15", "40-5"])
def test_net_reductions_over_30_percent_are_refused(percents: tuple[int, ...]) -> None:
    adjustments = tuple(Adjustment(p, f"reason {i}") for i, p in enumerate(percents))
    with pytest.raises(AuditTimeError, match="capped at 30%"):
        audit_time([StandardInput("ISO 9001", 40, adjustments=adjustments)])


def test_increases_offset_reductions() -> None:
    adjustments = (Adjustment(-20, "a"), Adjustment(-15, "b"), Adjustment(10, "c"))
    result = audit_time([StandardInput("ISO 9001", 40, adjustments=adjustments)])
    assert result.standards[0].net_percent == D(-25)
    assert result.total_days == D(3)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(AuditTimeError, match="needs a reason"):
        Adjustment(-10, reason)


def test_parse_adjustment() -> None:
    assert parse_adjustment("-10:mature system") == Adjustment(D(-10), "mature system")
    assert parse_adjustment("\u22127.5%: one process") == Adjustment(D("-7.5"), "one process")
    assert parse_adjustment("+10:two shifts: night").reason == "two shifts: night"
    with pytest.raises(AuditTimeError, match="PERCENT:REASON"):
        parse_adjustment("-10")
    with pytest.raises(AuditTimeError, match="must be a number"):
        parse_adjustment("ten:mature")


# --- integration (MD 11) ----------------------------------------------------------------------


def _qms_and_ems() -> list[StandardInput]:
    return [StandardInput("ISO 9001", 40), StandardInput("ISO 14001", 40, "low")]  # 4 + 4


def test_integrated_audit_sums_the_standards_then_applies_the_level() -> None:
    result = audit_time(_qms_and_ems(), integration="full")
    assert "sum of the standards: 4.0 + 4.0 = 8.0 days (IAF MD 11 starting point)" in (
        result.working
    )
    assert result.total_days == D("6.4")  # 8 - 20%
    assert result.initial_days == D("6.5")
    assert any(
        step.startswith("integration −20%: integration level full") for step in result.working
    )


@pytest.mark.parametrize(
    ("level", "initial"), [("none", "8"), ("low", "7.5"), ("medium", "7"), ("high", "7")]
)
def test_integration_levels(level: str, initial: str) -> None:
    # 8 days: -5% 7.6 -> 7.5, -10% 7.2 -> 7.0, -15% 6.8 -> 7.0
    assert audit_time(_qms_and_ems(), integration=level).initial_days == D(initial)


def test_integration_can_increase_the_time() -> None:
    result = audit_time(_qms_and_ems(), integration=Integration(10, "team new to the IMS"))
    assert result.initial_days == D(9)  # 8.8


def test_integration_beyond_20_percent_is_refused() -> None:
    with pytest.raises(AuditTimeError, match="cap of 20%"):
        audit_time(_qms_and_ems(), integration=Integration(-25, "fully integrated"))


def test_integration_needs_two_standards_and_a_known_level() -> None:
    with pytest.raises(AuditTimeError, match="two or more standards"):
        audit_time([StandardInput("ISO 9001", 40)], integration="high")
    with pytest.raises(AuditTimeError, match="no integration level 'total'"):
        audit_time(_qms_and_ems(), integration="total")


def test_integration_follows_the_per_standard_adjustments() -> None:
    inputs = [
        StandardInput("ISO 9001", 40, adjustments=(Adjustment(-30, "mature"),)),  # 2.8
        StandardInput("ISO 45001", 100, "medium"),  # 8
    ]
    result = audit_time(inputs, integration="full")
    assert result.total_days == D("8.64")  # (2.8 + 8) x 0.8: about 44% below QMS's table value
    assert result.initial_days == D("8.5")


def test_a_standard_named_twice_is_refused() -> None:
    with pytest.raises(AuditTimeError, match="named twice"):
        audit_time([StandardInput("ISO 9001", 40), StandardInput("qms", 40)])


# --- effective personnel (MD 5) ---------------------------------------------------------------


def test_effective_personnel_counts_everyone_in_scope() -> None:
    result = effective_personnel(
        full_time=30,
        part_time=[PartTime(10, 20)],
        temporary=3,
        contractors=2,
        shift_personnel=7,
    )
    assert result.count == 47  # 30 + 10 x 20/40 + 3 + 2 + 7
    assert "part-time: 10 × 20 h / 40 h = 5.0 full-time equivalents" in result.working
    assert result.working[-1] == "effective personnel: 47.0 → 47 (rounded up; IAF MD 5)"


def test_effective_personnel_rounds_up() -> None:
    assert effective_personnel(part_time=[(3, 10)]).count == 1  # 0.75
    assert effective_personnel(full_time=40, part_time=[(1, 1)]).count == 41
    assert effective_personnel(full_time=10, part_time=[(4, 18)], full_time_hours=36).count == 12


def test_effective_personnel_refuses_nonsense() -> None:
    with pytest.raises(AuditTimeError, match="at least 1"):
        effective_personnel()
    with pytest.raises(AuditTimeError, match="at most the full-time week"):
        effective_personnel(part_time=[(2, 45)])
    with pytest.raises(AuditTimeError, match="whole number"):
        effective_personnel(full_time=-1)


# --- the data file ----------------------------------------------------------------------------


def test_the_data_file_ships_inside_the_package() -> None:
    package = Path(auditkit.__file__).parent
    assert DATA_FILE.is_relative_to(package) and DATA_FILE.is_file()
    assert load_tables() is load_tables()  # cached


VALID = textwrap.dedent(
    """\
    format: 1
    tables:
      qms:
        title: "Test QMS"
        source: "test"
        confirmed: true
        applies_to: ["ISO 9001"]
        columns: [{name: days}]
        above_last_band: follow_progression
        bands:
          - {from: 1, to: 5, days: 1.5}
          - {from: 6, to: 10, days: 2}
          - {from: 11, to: 15, days: 2.5}
      ems:
        title: "Test EMS"
        source: "test"
        confirmed: true
        applies_to: ["ISO 14001"]
        columns: [{name: high}, {name: low}]
        above_last_band: refuse
        bands:
          - {from: 1, to: 5, high: 3, low: 2.5}
          - {from: 6, to: 10, high: 3.5, low: 3}
    cb_configuration:
      stage1_share_percent: 30
      stage1_minimum_days: 0.5
      offsite_max_percent: 20
      reductions_cap_percent: 30
      site_reduction_cap_percent: 50
      integration_reduction_cap_percent: 20
      surveillance_fraction: "1/3"
      recertification_fraction: "2/3"
      rounding_days: 0.5
    integration_levels: {none: 0, full: -20}
    sampling:
      source: test
      factors: {initial: 1, surveillance: 0.6, recertification: 0.8}
      random_share: 0.25
      not_appropriate_surveillance_share: 0.3
    """
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit_time.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_is_used_as_written(tmp_path: Path) -> None:
    data = load_tables(_write(tmp_path, VALID))
    assert table_days("ISO 9001", 12, data=data) == D("2.5")
    assert table_days("ISO 9001", 16, data=data) == D(3)  # progression: +0.5 per 5
    with pytest.raises(AuditTimeError, match="above the table's last band"):
        table_days("ISO 14001", 11, "high", data=data)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("{from: 6, to: 10, days: 2}", "{from: 7, to: 10, days: 2}", "gap: no band covers 6–6"),
        ("{from: 6, to: 10, days: 2}", "{from: 4, to: 10, days: 2}", "overlap: 4–5"),
        ("{from: 6, to: 10, days: 2}", "{from: 6, to: 10, days: 2.25}", "2.25 days is not"),
        (
            "{from: 6, to: 10, high: 3.5, low: 3}",
            "{from: 6, to: 10, high: 3.5, lo: 3}",
            "unknown column 'lo'",
        ),
        ("{from: 6, to: 10, days: 2}", "{from: 6, to: 10, days: 1}", "days fall"),
        ("reductions_cap_percent: 30", "reductions_cap_percent: 35", "above the limit of 30"),
        ("full: -20", "full: -25", "beyond the integration reduction cap"),
        ("rounding_days: 0.5\n", "", "rounding_days: missing"),
        ('applies_to: ["ISO 14001"]', 'applies_to: ["ISO 9001"]', "already in qms"),
    ],
)
def test_a_broken_file_names_the_file_and_the_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(AuditTimeDataError) as caught:
        load_tables(path)
    assert any(e.startswith(f"{path}: ") and problem in e for e in caught.value.errors), (
        caught.value.errors
    )


def test_an_unreadable_or_non_yaml_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(AuditTimeDataError, match="cannot read"):
        load_tables(tmp_path / "missing.yaml")
    with pytest.raises(AuditTimeDataError, match="not valid YAML"):
        load_tables(_write(tmp_path, "tables: [unclosed"))
