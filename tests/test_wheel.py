"""A wheel built from the repo installs into a fresh virtual environment and runs both apps."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

SMOKE = textwrap.dedent(
    """
    import auditkit.resources as r
    from auditkit.cb import create_app as cb
    from auditkit.field import create_app as field
    from auditkit.checklists import load_all, shipped_checklists_dir

    assert "site-packages" in str(r.templates_dir()), r.templates_dir()
    assert "site-packages" in str(shipped_checklists_dir()), shipped_checklists_dir()
    assert len(load_all(shipped_checklists_dir())) >= 5

    client = field().test_client()
    page = client.get("/")
    assert page.status_code == 200 and b"Brightwater Components" in page.data, page.data[:500]
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/css/auditkit.css").status_code == 200

    client = cb().test_client()
    page = client.get("/login")
    assert page.status_code == 200 and b"Sign in" in page.data
    print("wheel ok")
    """
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_wheel_installs_and_runs_both_apps(tmp_path: Path) -> None:
    assert (REPO / "auditkit/static/vendor/htmx.min.js").exists(), "run `make setup` first"
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        REPO,
        cwd=tmp_path,
    )
    wheel = next(dist.glob("auditkit-*.whl"))

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUDITKIT_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["AUDITKIT_DATA_DIR"] = str(tmp_path / "laptop")
    env["AUDITKIT_SERVER_DATA_DIR"] = str(tmp_path / "server")
    listing = _run(venv / "bin" / "auditkit", "checklists", "list", cwd=tmp_path, env=env)
    for checklist_id in (
        "iso9001-2015",
        "iso14001-2015",
        "iso45001-2018",
        "iso27001-2022",
        "vca-2017",
    ):
        assert checklist_id in listing
    _run(venv / "bin" / "auditkit", "demo", "--seed-only", cwd=tmp_path, env=env)
    out = _run(venv / "bin" / "python", "-c", SMOKE, cwd=tmp_path, env=env)
    assert "wheel ok" in out
