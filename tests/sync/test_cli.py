"""The commands an auditor types: `auditkit login` and `auditkit sync`, as real processes,
moving the demo audit with a finding and a photo to a live CB server and on to a teammate."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.models import Audit, Blob, Finding, Photo
from auditkit.photostore import PhotoStore

ITEM = "iso9001-2015:7.2/1"


def auditkit(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDITKIT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "auditkit", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _login(laptop, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    done = auditkit(
        laptop.data_dir, "login", url, "--username", username, "--password-stdin",
        stdin=DEMO_PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"linked to {url} as {username}" in done.stdout


def _sync(laptop) -> dict:  # type: ignore[no-untyped-def,type-arg]
    done = auditkit(laptop.data_dir, "sync", "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def test_login_and_sync_move_the_demo_audit_to_the_server_and_a_teammate(
    laptops, cb_server, server_engine
) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna")
    _login(anna, cb_server.url, "auditor1")
    assert _sync(anna)["ok"]
    with anna.session() as session:  # the demo audit arrived
        assert session.get(Audit, AUDIT_ID).organisation.name

    anna.answer(ITEM, notes="Training matrix seen")
    anna.photo(ITEM, seed=7)
    created = anna.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.2",
            "objective_evidence": "One welder's certificate expired in March",
            "statement": "Competence not kept up to date",
            "item_keys": ITEM,
        },
    )
    assert created.status_code == 302
    sent = _sync(anna)
    assert sent["ok"] and sent["rejected"] == 0 and sent["blobs_uploaded"] == 1
    with make_session_factory(server_engine)() as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 1
        assert session.scalar(select(func.count()).select_from(Blob)) == 1

    bram = laptops("bram")
    _login(bram, cb_server.url, "auditor2")
    received = _sync(bram)
    assert received["ok"] and received["photos_downloaded"] == 1
    with bram.session() as session:
        finding = session.scalars(select(Finding).where(Finding.audit_id == AUDIT_ID)).one()
        assert finding.number == "F1" and "expired in March" in finding.objective_evidence
        photo = session.scalars(select(Photo)).one()
    data = PhotoStore(bram.data_dir / "photos").path(photo.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256

    quiet = auditkit(bram.data_dir, "sync")  # the plain text summary
    assert quiet.returncode == 0 and quiet.stdout.startswith("Sent 0 changes")


def test_sync_says_what_is_wrong_and_exits_non_zero(laptops, cb_server) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna")
    never = auditkit(anna.data_dir, "sync")
    assert never.returncode == 1 and "auditkit login URL" in never.stderr

    wrong = auditkit(
        anna.data_dir, "login", cb_server.url, "--username", "auditor1", "--password-stdin",
        stdin="not the password\n",
    )  # fmt: skip
    assert wrong.returncode == 1 and "do not match" in wrong.stderr

    _login(anna, cb_server.url, "auditor1")
    _sync(anna)
    anna.answer(ITEM, notes="written while the server is down")
    cb_server.stop()
    down = auditkit(anna.data_dir, "sync", "--json")
    summary = json.loads(down.stdout)
    assert down.returncode != 0 and not summary["ok"]
    assert summary["error_code"] == "unreachable" and summary["pending"] == 1
    assert anna.pending() == 1  # kept for the next sync


def test_progress_line_shows_a_bar_with_items_or_megabytes() -> None:
    from auditkit.cli.sync import progress_line

    line = progress_line("upload", 26_000_000, 52_000_000, width=10)
    assert line.strip() == "photos up [#####-----]  50% 26.0/52.0 MB"
    assert progress_line("push", 420, 420, width=4).strip() == "changes sent [####] 100% 420/420"
    assert "[----]   0% 0/0" not in progress_line("pull", 0, 0, width=4)  # nothing to do: done
