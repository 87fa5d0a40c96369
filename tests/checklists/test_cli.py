"""`auditkit checklists validate|list`, through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditkit.cli import main

VALID = """\
id: demo-2015
standard: ISO 9999
edition: "2015"
title: Demo management systems
language: en
version: "1.2.3"
clauses:
  - number: "7"
    title: Support
    hs: support
    children:
      - number: "7.2"
        title: Competence
        hs: support.competence
        auditable: true
        questions:
          - id: "7.2/1"
            text: How is competence determined?
            guidance: Sample two people.
            evidence: [training records]
"""

# Line 13 has one space too many: a YAML indentation error.
BAD_INDENTATION = VALID.replace("        title: Competence", "         title: Competence")
# Line 12 numbers a child 8.2 under clause 7; line 18 gives VCA `levels` to an ISO question.
TWO_ERRORS = VALID.replace('"7.2"', '"8.2"').replace(
    'id: "7.2/1"', 'id: "8.2/1"\n            levels: {}'
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(directory: Path, text: str, name: str = "demo-2015.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "auditkit", "checklists", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_validate_reports_ok_with_counts(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    result = runner.invoke(main, ["checklists", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "demo-2015.yaml: ok (2 clauses, 1 auditable, 1 questions)\n"
    assert result.stderr == ""


def test_validate_prints_every_error_to_stderr_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = _write(tmp_path, TWO_ERRORS)
    result = runner.invoke(main, ["checklists", "validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:12: clause 8.2: numbered outside its parent 7 (expected '7.<n>')",
        f"{path}:18: question 8.2/1: 'levels' is only for VCA checklists (kind: vca)",
    ]
    assert result.stdout == "demo-2015.yaml: 2 errors\n"


def test_validate_bad_indentation_points_at_the_line(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_INDENTATION)
    result = runner.invoke(main, ["checklists", "validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:13: invalid YAML: ")


def test_validate_takes_directories_and_reports_each_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    _write(tmp_path, VALID)
    _write(tmp_path, VALID, "wrong-name.yaml")
    result = runner.invoke(main, ["checklists", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "demo-2015.yaml: ok (2 clauses, 1 auditable, 1 questions)",
        "wrong-name.yaml: 1 error",
    ]
    assert "does not match the file name (expected 'wrong-name')" in result.stderr


def test_validate_missing_path_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["checklists", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'nope.yaml'}:1: no such file or directory\n"


def test_validate_and_list_default_to_the_shipped_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, VALID)
    monkeypatch.setenv("AUDITKIT_CHECKLISTS_DIR", str(tmp_path))
    validated = runner.invoke(main, ["checklists", "validate"])
    assert validated.exit_code == 0
    assert validated.stdout.startswith("demo-2015.yaml: ok")
    listed = runner.invoke(main, ["checklists", "list"])
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "id         standard  edition  version  clauses  questions",
        "demo-2015  ISO 9999  2015     1.2.3    2        1",
    ]


def test_list_reports_invalid_files_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    _write(tmp_path, BAD_INDENTATION, "other-2015.yaml")
    result = runner.invoke(main, ["checklists", "list", str(tmp_path)])
    assert result.exit_code == 1
    assert "demo-2015" in result.stdout and "other-2015" not in result.stdout
    assert result.stderr.startswith(f"{tmp_path / 'other-2015.yaml'}:13: invalid YAML")


def test_subprocess_validate_broken_file_exits_1_with_path_line_message(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO_ERRORS)
    completed = _run("validate", str(path))
    assert completed.returncode == 1
    assert completed.stderr.splitlines()[0] == (
        f"{path}:12: clause 8.2: numbered outside its parent 7 (expected '7.<n>')"
    )
    assert completed.stdout == "demo-2015.yaml: 2 errors\n"


def test_subprocess_validate_bad_indentation_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_INDENTATION)
    completed = _run("validate", str(path))
    assert completed.returncode == 1
    assert completed.stderr.startswith(f"{path}:13: invalid YAML: ")


def test_subprocess_validate_valid_file_exits_0(tmp_path: Path) -> None:
    completed = _run("validate", str(_write(tmp_path, VALID)))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "demo-2015.yaml: ok (2 clauses, 1 auditable, 1 questions)\n"
