"""The shipped checklists (whatever `*.yaml` exists) are valid and load deterministically."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit.checklists import (
    HS_KEYS,
    integrate,
    load_all,
    load_checklist,
    shipped_checklists_dir,
    validate_paths,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(shipped_checklists_dir().glob("*.yaml"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint() -> dict[str, list[str]]:
    """Per checklist id: content hash and a hash of the parsed tree; plus the integrated tree."""
    checklists = load_all(shipped_checklists_dir())
    result = {c.id: [c.content_hash, _sha(repr((c.levels, c.clauses)))] for c in checklists}
    result["<integrated>"] = [_sha(repr(integrate([c for c in checklists if not c.is_vca])))]
    return result


def test_at_least_one_checklist_is_shipped() -> None:
    assert SHIPPED, f"no *.yaml in {shipped_checklists_dir()}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_checklist_is_valid(path: Path) -> None:
    errors = [str(error) for error in validate_paths([path])]
    assert errors == [], "\n".join(errors)


def test_loading_twice_gives_the_same_checklists() -> None:
    first = load_all(shipped_checklists_dir())
    again = load_all(shipped_checklists_dir())
    assert first == again
    for checklist in first:
        assert (
            checklist.content_hash
            == hashlib.sha256(Path(checklist.source_path).read_bytes()).hexdigest()
        )


def test_loading_in_other_processes_gives_the_same_fingerprint() -> None:
    script = (
        f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
        "from tests.checklists.test_shipped import fingerprint; print(json.dumps(fingerprint()))"
    )
    expected = fingerprint()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        completed = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        assert json.loads(completed.stdout) == expected


def test_readme_lists_exactly_the_hs_keys_of_the_loader() -> None:
    readme = (REPO / "checklists" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Harmonized-structure keys", 1)[1].split("\n## ", 1)[0]
    listed = [
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert listed == list(HS_KEYS)


def test_iso45001_6_1_2_3_has_its_full_short_title() -> None:
    iso45001 = load_checklist(shipped_checklists_dir() / "iso45001-2018.yaml")
    assert iso45001.clause("6.1.2.3").title == (
        "Assessment of OH&S opportunities and other opportunities for the OH&S management system"
    )
