"""Crash safety: SIGKILL the field app mid-save, many times; nothing it acknowledged is lost.

Each round starts `auditkit field` (forked by crash_app.py, which imports the app once, so a
round costs about a second), sends answer saves and photo uploads from a few threads, SIGKILLs
the server's process group after a random delay and, with the server dead, checks a copy of
the SQLite file and its WAL as the kill left them (the next round's server recovers the
original) and the photo store, against every request sent so far. AUDITKIT_CRASH_ROUNDS sets the
number of rounds (default 25), AUDITKIT_CRASH_SEED the seed of the delays and choices.
A second test kills the app's very first start, while it creates its secret key.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageChops

from auditkit.checklists import load_checklist, make_item_key, shipped_checklists_dir
from auditkit.config import field_settings
from auditkit.demo import AUDIT_ID
from auditkit.photostore import PhotoStore
from tests.field import crash_app
from tests.field.crash_app import ForkServer, kill_group
from tests.helpers import csrf_from

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="forks and SIGKILLs processes"),
    pytest.mark.slow,  # laptop-only (SQLite): the PostgreSQL pass skips it
]

ROUNDS = int(os.environ.get("AUDITKIT_CRASH_ROUNDS", "25"))
SEED = int(os.environ.get("AUDITKIT_CRASH_SEED", "9001"))
THREADS = 3
ITEMS = 12  # each client thread owns a third, so the saves of one item are sent in order
PHOTO_SHARE = 0.35
KILL_AFTER = (0.05, 0.4)  # seconds of load before the SIGKILL
LONG_ROUND = 5  # every fifth round runs longer, so that slow uploads get acknowledged too
LONG_KILL_AFTER = (0.6, 1.0)
READY_TIMEOUT = 30.0
PHOTO_ID_RE = re.compile(r'id="photo-([0-9a-f-]{36})"')
CRASH_APP = crash_app.__file__


@dataclass
class Sent:
    """One request a client thread sent, and the server's answer (status None: none came)."""

    item: str
    notes: str | None  # an answer save's notes; None for a photo upload
    started: float
    files: int = 0
    status: int | None = None
    acked: bool = False
    photo_ids: set[str] = field(default_factory=set)  # the item's gallery in the answer


@dataclass
class Tally:
    rounds: int = 0
    in_flight_rounds: int = 0
    in_flight: int = 0  # unanswered, sent before the kill
    after_kill: int = 0  # unanswered, sent after the kill (connection refused)
    refused: list[str] = field(default_factory=list)  # answered, but not acknowledged
    acked_saves: int = 0
    acked_uploads: int = 0
    acked_photos: int = 0

    def add(self, round_no: int, sent: list[Sent], kill_at: float) -> None:
        self.rounds += 1
        in_flight = 0
        for s in sent:
            if s.acked:
                self.acked_saves += s.notes is not None
                self.acked_uploads += s.notes is None
                self.acked_photos += s.files
            elif s.status is not None:
                self.refused.append(f"round {round_no}: {s.item} answered {s.status}")
            elif s.started < kill_at:
                in_flight += 1
            else:
                self.after_kill += 1
        self.in_flight += in_flight
        self.in_flight_rounds += in_flight > 0

    def __str__(self) -> str:
        return (
            f"seed {SEED}: {self.rounds} rounds, {self.in_flight_rounds} killed with requests "
            f"in flight; acked {self.acked_saves} saves and {self.acked_uploads} uploads "
            f"({self.acked_photos} photos); unacked {self.in_flight} in flight and "
            f"{self.after_kill} after the kill; refused {self.refused[:5]}"
        )


def test_sigkill_mid_save_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    tally = run_crash_rounds(tmp_path, ROUNDS)
    assert not tally.refused, f"the live server refused requests: {tally}"
    assert tally.in_flight_rounds >= max(1, ROUNDS // 2), f"kills hit too few requests: {tally}"
    assert tally.acked_saves and tally.acked_photos, f"too little was acknowledged: {tally}"


def test_sigkill_while_creating_the_secret_key_leaves_a_working_app(tmp_path: Path) -> None:
    env = dict(os.environ)
    # SIGKILLed right after creating the key file, before writing the key into it.
    first_start = [sys.executable, str(CRASH_APP), "first-start"]
    killed = subprocess.run(first_start, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, "the first start was not killed mid-way"
    port, log = _free_port(), tmp_path / "field.log"
    with log.open("wb") as output:
        command = [sys.executable, "-m", "auditkit", "field", "--port", str(port)]
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        _wait_until_ready(f"http://127.0.0.1:{port}", log)
    finally:
        kill_group(server.pid)
        server.wait()


def run_crash_rounds(tmp_path: Path, rounds: int) -> Tally:
    """Seed the demo laptop, then start, load, kill and check the field app `rounds` times."""
    env = dict(os.environ)  # with the data dirs of tests/conftest.py's isolated_env
    command = [sys.executable, "-m", "auditkit", "demo", "--seed-only"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    settings = field_settings()
    store = PhotoStore(settings.photos_dir)
    items = _item_keys()
    history: dict[str, list[Sent]] = {item: [] for item in items}
    photos = _photos()
    rng = random.Random(SEED)
    tally = Tally()
    with ForkServer(env) as servers:
        for round_no in range(rounds):
            port, log = _free_port(), tmp_path / f"field-{round_no}.log"
            pid = servers.serve(port, log)
            load = Load(f"http://127.0.0.1:{port}", items, history, photos, rng, round_no)
            try:
                kill_at = load.run_until_killed(pid, log)
            finally:
                servers.kill_and_reap(pid)
            tally.add(round_no, load.sent, kill_at)
            database = _copy_as_left(settings.database_path, tmp_path / "check")
            problems = check_laptop(database, store, history)
            assert not problems, f"after round {round_no}: {problems[:10]}; {tally}"
    return tally


@dataclass
class Load:
    """One round's client threads, and the requests they sent."""

    base: str
    items: list[str]
    history: dict[str, list[Sent]]
    photos: list[bytes]
    rng: random.Random
    round_no: int
    sent: list[Sent] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run_until_killed(self, pid: int, log: Path) -> float:
        """Load the server once it answers, SIGKILL it mid-stream; the kill's time."""
        cookies, token = _wait_until_ready(self.base, log)
        threads = [
            threading.Thread(
                target=self._client,
                args=(self.items[t::THREADS], cookies, token, random.Random(self.rng.random()), t),
            )
            for t in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        try:
            long_round = self.round_no % LONG_ROUND == LONG_ROUND - 1
            time.sleep(self.rng.uniform(*(LONG_KILL_AFTER if long_round else KILL_AFTER)))
            kill_at = time.monotonic()
            kill_group(pid)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a client thread hangs after the kill"
        assert not self.errors, f"a client thread failed: {self.errors!r}"
        return kill_at

    def _client(self, items, cookies, token, rng, thread_no) -> None:  # type: ignore[no-untyped-def]
        """Send saves and uploads one after another until the server is gone."""
        try:
            with requests.Session() as http:
                http.cookies.update(cookies)
                http.headers.update({"X-CSRF-Token": token, "HX-Request": "true"})
                number, answered = 0, True
                while answered and not self.stop.is_set():
                    number += 1
                    item = rng.choice(items)
                    if rng.random() < PHOTO_SHARE:
                        chosen = rng.sample(self.photos, rng.choice((1, 1, 2)))
                        answered = self._upload(http, item, chosen)
                    else:
                        notes = f"round {self.round_no} thread {thread_no} save {number}"
                        answered = self._save(http, item, notes)
        except BaseException as exc:  # reported by run_until_killed
            self.errors.append(exc)

    def _save(self, http: requests.Session, item: str, notes: str) -> bool:
        sent = self._record(Sent(item, notes, time.monotonic()))
        data = {"verdict": "conforming", "notes": notes}
        reply = _post(http, f"{self.base}/audits/{AUDIT_ID}/items/{item}", data=data)
        if reply is None:
            return False
        sent.status, sent.acked = reply.status_code, reply.status_code == 200
        return True

    def _upload(self, http: requests.Session, item: str, chosen: list[bytes]) -> bool:
        sent = self._record(Sent(item, None, time.monotonic(), files=len(chosen)))
        files = [("photos", (f"photo{i}.jpg", data, "image/jpeg")) for i, data in enumerate(chosen)]
        url = f"{self.base}/audits/{AUDIT_ID}/photos"
        reply = _post(http, url, data={"item_key": item}, files=files)
        if reply is None:
            return False
        sent.status = reply.status_code
        # A 200 with an error message means some file was refused: not a full acknowledgement.
        sent.acked = reply.status_code == 200 and "field-error" not in reply.text
        sent.photo_ids = set(PHOTO_ID_RE.findall(reply.text)) if sent.acked else set()
        return True

    def _record(self, sent: Sent) -> Sent:
        self.history[sent.item].append(sent)  # only this item's thread appends: in send order
        self.sent.append(sent)
        return sent


def _post(http: requests.Session, url: str, **kwargs) -> requests.Response | None:  # type: ignore[no-untyped-def]
    try:
        return http.post(url, timeout=60, **kwargs)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
        return None  # killed before the whole answer was out: unacknowledged


def _copy_as_left(database: Path, folder: Path) -> Path:
    """Copy the database and its WAL (not the index in -shm): SQLite recovers the copy."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for source in (database, database.with_name(database.name + "-wal")):
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return folder / database.name


def check_laptop(database: Path, store: PhotoStore, history: dict[str, list[Sent]]) -> list[str]:
    """What is wrong with the field app's data, given every request sent so far."""
    conn = sqlite3.connect(database)
    try:
        problems = _check_sqlite(conn)
        responses = {
            key: (notes, verdict, version)
            for key, notes, verdict, version in conn.execute(
                "SELECT item_key, notes, verdict, version FROM responses"
            )
        }
        photo_rows = conn.execute(
            "SELECT p.id, p.sha256, r.item_key FROM photos p "
            "LEFT JOIN responses r ON r.id = p.response_id WHERE p.deleted_at IS NULL"
        ).fetchall()
        outbox = Counter(conn.execute("SELECT name, entity_id FROM outbox"))
    finally:
        conn.close()
    for key, (_, _, version) in responses.items():
        entries = outbox[("answer.set.v1", key)]
        if entries != version:  # each saved version queued its entry in the same transaction
            problems.append(f"{key}: answer at version {version} with {entries} outbox entries")
    photo_ids = {str(uuid.UUID(photo_id)) for photo_id, _, _ in photo_rows}
    queued = {entity: n for (name, entity), n in outbox.items() if name == "photo.add.v1"}
    if set(queued) != photo_ids or any(n != 1 for n in queued.values()):
        problems.append(
            f"photo rows without their outbox entry: {sorted(photo_ids - set(queued))}, "
            f"entries without a row: {sorted(set(queued) - photo_ids)}"
        )
    for _, sha256, _ in photo_rows:
        if not (store.verify(sha256) and store.thumbnail_path(sha256).is_file()):
            problems.append(f"photo row {sha256} without its bytes or its thumbnail")
    per_item = Counter(key for _, _, key in photo_rows)
    for item, sent in history.items():
        problems += _check_item(item, sent, responses.get(item), per_item[item], photo_ids)
    return problems


def _check_sqlite(conn: sqlite3.Connection) -> list[str]:
    problems = []
    integrity = conn.execute("PRAGMA integrity_check").fetchall()
    if integrity != [("ok",)]:
        problems.append(f"integrity_check: {integrity[:5]}")
    dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        problems.append(f"foreign_key_check: {dangling[:5]}")
    return problems


def _check_item(  # type: ignore[no-untyped-def]
    item: str, sent: list[Sent], response, photo_count: int, photo_ids: set[str]
) -> list[str]:
    """The last acked save is stored, or one sent after it; every acked photo is stored."""
    problems = []
    saves = [s for s in sent if s.notes is not None]
    acked = [i for i, s in enumerate(saves) if s.acked]
    if acked:
        allowed = {s.notes for s in saves[acked[-1] :]}
        if response is None or response[0] not in allowed or response[1] != "conforming":
            problems.append(f"{item}: last acked {saves[acked[-1]].notes!r}, stored {response}")
    uploads = [s for s in sent if s.notes is None]
    acked_files = sum(s.files for s in uploads if s.acked)
    if not acked_files <= photo_count <= sum(s.files for s in uploads):
        problems.append(f"{item}: {photo_count} photo rows for {acked_files} acked photos")
    lost = set().union(*(s.photo_ids for s in uploads if s.acked)) - photo_ids
    if lost:
        problems.append(f"{item}: acked photos lost: {sorted(lost)}")
    return problems


def _item_keys() -> list[str]:
    """Items spread over the shipped ISO 9001 checklist (the demo audit pins it)."""
    checklist = load_checklist(shipped_checklists_dir() / "iso9001-2015.yaml")
    keys = [
        make_item_key(checklist.id, q.id) for c in checklist.iter_clauses() for q in c.questions
    ]
    return keys[:: len(keys) // ITEMS][:ITEMS]


def _photos(count: int = 16) -> list[bytes]:
    """Distinct noisy 1280x960 JPEGs (about 0.8 MB each), so normalising takes real time."""
    size = (1280, 960)
    noise = Image.effect_noise(size, 60)
    gradient = Image.linear_gradient("L").resize(size)
    photos = []
    for k in range(count):
        red, blue = ImageChops.offset(noise, 37 * k, 11 * k), ImageChops.offset(noise, -53 * k, 7)
        buffer = io.BytesIO()
        Image.merge("RGB", (red, gradient, blue)).save(buffer, "JPEG", quality=90)
        photos.append(buffer.getvalue())
    return photos


def _wait_until_ready(base: str, log: Path) -> tuple[requests.cookies.RequestsCookieJar, str]:
    """Poll GET / until the server answers; its session cookie and CSRF token."""
    deadline = time.monotonic() + READY_TIMEOUT
    with requests.Session() as http:
        while time.monotonic() < deadline:
            try:
                page = http.get(f"{base}/", timeout=10)
            except requests.ConnectionError:
                time.sleep(0.02)
                continue
            assert page.status_code == 200, f"GET / answered {page.status_code}: {_tail(log)}"
            return http.cookies, csrf_from(page.text)
    raise AssertionError(f"the field app did not start in {READY_TIMEOUT:g} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_empty_secret_key_file_is_replaced(tmp_path: Path) -> None:
    from auditkit.config import load_secret_key

    (tmp_path / "secret_key").write_text("")
    key = load_secret_key(tmp_path)
    assert len(key) >= 32 and (tmp_path / "secret_key").read_text() == key
    assert load_secret_key(tmp_path) == key
