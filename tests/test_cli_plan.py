"""`auditkit plan audit-time` and `auditkit plan sample`: text, JSON and one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from auditkit.cli import main

AUDIT_TIME_KEYS = {
    "standards",
    "integration",
    "total_days",
    "initial_days",
    "stage1_days",
    "stage2_days",
    "surveillance_days",
    "recertification_days",
    "offsite_max_days",
    "onsite_min_days",
    "remote_days",
    "unconfirmed",
    "working",
}
STANDARD_KEYS = {
    "checklist_id",
    "standard",
    "table",
    "table_title",
    "confirmed",
    "personnel",
    "complexity",
    "band",
    "above_last_band",
    "table_days",
    "adjustments",
    "net_adjustment_percent",
    "adjusted_days",
}


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["plan", *args])


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "plan" in result.output


def test_audit_time_text() -> None:
    result = _run("audit-time", "--standard", "iso9001-2015", "--personnel", "40")
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "initial (stage 1 + stage 2): 4.0 days" in lines
    assert "stage 1: 1.0 days" in lines
    assert "stage 2: 3.0 days" in lines
    assert "surveillance (each): 1.5 days" in lines
    assert "recertification: 2.5 days" in lines
    assert "Working:" in lines
    assert "1. ISO 9001: 40 effective personnel → band 26–45 → 4.0 days (IAF MD 5 Table QMS 1)" in (
        lines
    )


def test_audit_time_json() -> None:
    data = _json("audit-time", "--standard", "iso9001-2015", "--personnel", "40")
    assert set(data) == AUDIT_TIME_KEYS
    assert set(data["standards"][0]) == STANDARD_KEYS
    assert data["standards"][0]["table"] == "qms"
    assert data["standards"][0]["band"] == [26, 45]
    assert data["standards"][0]["complexity"] is None
    assert data["integration"] is None
    assert (data["initial_days"], data["stage1_days"], data["stage2_days"]) == (4.0, 1.0, 3.0)
    assert (data["surveillance_days"], data["recertification_days"]) == (1.5, 2.5)
    assert data["working"][0].startswith("ISO 9001: 40 effective personnel")


def test_integrated_audit_json() -> None:
    data = _json(
        "audit-time",
        "--standard", "iso9001-2015",
        "--standard", "iso14001-2015",
        "--standard", "iso45001-2018",
        "--personnel", "100",
        "--complexity", "medium",
        "--integration", "high",
    )  # fmt: skip
    assert [s["table_days"] for s in data["standards"]] == [7.0, 8.0, 8.0]
    assert data["standards"][1]["complexity"] == "medium"
    assert data["integration"] == {
        "level": "high",
        "percent": -15.0,
        "reason": "integration level high (CB configuration)",
    }
    assert data["total_days"] == 19.55  # 23 - 15%
    assert (data["initial_days"], data["stage1_days"], data["stage2_days"]) == (19.5, 6.0, 13.5)
    assert (data["surveillance_days"], data["recertification_days"]) == (6.5, 13.0)


def test_complexity_and_adjustments_per_standard() -> None:
    data = _json(
        "audit-time",
        "--standard", "iso14001-2015",
        "--standard", "iso45001-2018",
        "--personnel", "500",
        "--complexity", "iso14001-2015=limited",
        "--complexity", "iso45001-2018=high",
        "--adjust", "iso45001-2018=-10:mature OH&S system",
        "--adjust=+5:two sites",
        "--integration=+5:separate teams",
    )  # fmt: skip
    ems, ohs = data["standards"]
    assert (ems["table_days"], ohs["table_days"]) == (6.0, 16.0)
    assert ems["adjustments"] == [{"percent": 5.0, "reason": "two sites"}]
    assert ohs["net_adjustment_percent"] == -5.0
    assert (ems["adjusted_days"], ohs["adjusted_days"]) == (6.3, 15.2)
    assert data["integration"]["level"] is None and data["integration"]["percent"] == 5.0
    assert data["initial_days"] == 22.5  # 21.5 x 1.05 = 22.575
    assert data["unconfirmed"]  # the EMS limited column is single-source


def test_remote_days_are_shown() -> None:
    result = _run("audit-time", "--standard", "iso9001-2015", "--personnel", "40", "--remote", "1")
    assert result.exit_code == 0, result.output
    assert "1.0 of the 4.0 days are planned remotely" in result.stdout


def _assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--standard", "iso9999", "--personnel", "4"], ["'iso9999'", "iso9001-2015"]),
        (["--standard", "iso9001-2015", "--personnel", "0"], ["at least 1"]),
        (["--standard", "iso14001-2015", "--personnel", "40"], ["needs a complexity"]),
        (["--standard", "iso45001-2018", "--personnel", "40"], ["needs a complexity"]),
        (["--standard", "iso9001-2015", "--personnel", "40", "--adjust=-35:mature"], ["30%"]),
        (["--standard", "iso9001-2015", "--personnel", "40", "--adjust=-5:"], ["needs a reason"]),
        (
            ["--standard", "iso9001-2015", "--standard", "iso27001-2022", "--personnel", "40",
             "--integration=-25:integrated"],
            ["cap of 20%"],
        ),
        (["--standard", "iso9001-2015", "--personnel", "40", "--complexity", "high"],
         ["takes a complexity"]),
        (["--standard", "iso9001-2015", "--personnel", "40", "--adjust", "iso14001-2015=5:x"],
         ["not a --standard"]),
    ],
)  # fmt: skip
def test_audit_time_bad_input_is_one_line_and_exit_2(args: list[str], fragments: list[str]) -> None:
    _assert_usage_error(_run("audit-time", *args), *fragments)


def test_sample_text() -> None:
    result = _run("sample", "--sites", "26", "--audit", "initial")
    assert result.exit_code == 0, result.output
    assert "sampled sites: 6" in result.stdout
    assert "sites visited including the central function: 7" in result.stdout
    assert "drawn at random: at least 2" in result.stdout


@pytest.mark.parametrize(
    ("args", "sampled", "visited"),
    [
        (["--sites", "2", "--audit", "initial"], 2, 3),
        (["--sites", "2", "--audit", "surveillance"], 1, 2),
        (["--sites", "2", "--audit", "recertification"], 2, 3),
        (["--sites", "10", "--audit", "surveillance", "--not-appropriate"], 3, 4),
        (["--sites", "10", "--audit", "initial", "--not-appropriate"], 10, 11),
    ],
)
def test_sample_json(args: list[str], sampled: int, visited: int) -> None:
    data = _json("sample", *args)
    assert set(data) == {
        "audit",
        "sites",
        "sampling_appropriate",
        "sampled_sites",
        "visited_sites",
        "random_minimum",
        "working",
    }
    assert (data["sampled_sites"], data["visited_sites"]) == (sampled, visited)
    assert data["sampling_appropriate"] is ("--not-appropriate" not in args)


def test_sample_bad_input_is_one_line_and_exit_2() -> None:
    _assert_usage_error(_run("sample", "--sites", "0", "--audit", "initial"), "at least 1")
    assert _run("sample", "--sites", "4", "--audit", "stage2").exit_code == 2
