"""Data and servers for the sync benchmark: the demo seeded, a laptop full of work, the CB app.

The demo audit gets the ISO 14001 and 45001 checklists pinned next to ISO 9001 (327 items), so
the demo laptop can answer 300 of them. Photos are noisy 1600x1200 JPEGs that `normalize` keeps
at about 0.5 MB. The CB server runs in a child process (`serve`), like a real server. For the
fleet: a PostgreSQL database of its own, auditors with an audit each, and gunicorn.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageChops

from bench.images import scene

if TYPE_CHECKING:
    from auditkit.checklists import IntegratedNode, IntegratedTree

STANDARDS = ["iso9001-2015", "iso14001-2015", "iso45001-2018"]
PHOTO_SIZE = (1600, 1200)
GRAIN_SIGMA = 6.5  # sensor grain that leaves about 0.5 MB after normalize (quality 85)
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block; restore the previous values after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@functools.cache
def _grain(size: tuple[int, int]) -> Image.Image:
    """Per-channel noise, made once (effect_noise is slow) and shifted per photo."""
    grain = Image.effect_noise(size, GRAIN_SIGMA)
    return Image.merge(
        "RGB", (grain, ImageChops.offset(grain, 401, 7), ImageChops.offset(grain, 13, 577))
    )


def photo_jpeg(seed: int, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A distinct camera-like JPEG: smooth gradients, coarse texture and grain."""
    base = scene(seed, size)  # before the grain: both draw from Pillow's noise generator
    grain = ImageChops.offset(_grain(size), seed * 101, seed * 53)
    image = ImageChops.add(base, grain, offset=-128)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def seed_demo() -> uuid.UUID:
    """Seed the demo server with a three-standard demo audit and link the demo laptop to it.

    Uses AUDITKIT_SERVER_DATA_DIR and AUDITKIT_DATA_DIR; returns the demo auditor's user id.
    """
    from click.testing import CliRunner

    from auditkit import demo
    from auditkit.cli import main
    from auditkit.cli.apps import prepare_server
    from auditkit.config import server_settings
    from auditkit.db import make_engine, make_session_factory
    from auditkit.planning import pin_checklists

    prepare_server()
    engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            pin_checklists(session, demo.seed_server(session), STANDARDS)
    finally:
        engine.dispose()
    result = CliRunner().invoke(main, ["demo", "--seed-only"])  # enrols the laptop and pulls
    if result.exit_code != 0:
        raise RuntimeError(f"auditkit demo --seed-only failed: {result.output}")
    return demo.demo_id("user:auditor1")


def fill_laptop(
    data_dir: Path,
    audit_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    answers: int,
    findings: int,
    photos: Sequence[bytes],
) -> int:
    """Capture work on a linked laptop as the field app does; return the stored photo bytes.

    Answers the first `answers` items, raises `findings` minor NCs on them, and adds the
    photos, one on each finding first, then on answered items.
    """
    from auditkit.capture import Workspace
    from auditkit.capture.answers import AnswerInput, save_answer
    from auditkit.capture.findings import FindingInput, create_finding
    from auditkit.capture.photos import add_photo
    from auditkit.checklists import integrate
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import Audit, Grade, Verdict
    from auditkit.photostore import PhotoStore
    from auditkit.planning import pinned_checklists

    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    store = PhotoStore(data_dir / "photos")
    stored = 0
    try:
        with make_session_factory(engine).begin() as session:
            audit = session.get(Audit, audit_id)
            assert audit is not None, "the laptop has not pulled the audit"
            ws = Workspace(session, audit, user_id)
            tree = integrate(pinned_checklists(audit))
            keys = [q.item_key for q in tree.iter_questions()][:answers]
            assert len(keys) == answers, f"the audit has only {len(keys)} items"
            responses = []
            for n, key in enumerate(keys):
                evidence = AnswerInput(
                    Verdict.CONFORMING,
                    f"Item {n}: procedure sampled, records of the last quarter seen, "
                    "interviews with the process owner and two operators held.",
                    "",
                    [f"QP-{n:03d} rev. 4", f"Record R-{n:04d}"],
                    [],
                    [],
                )
                responses.append(save_answer(ws, key, evidence))
            raised = []
            for node, key in _clause_items(tree, set(keys))[:findings]:
                ref = node.refs[0]
                nc = FindingInput(
                    Grade.MINOR,
                    [(ref.checklist_id, ref.number)],
                    f"Clause {ref.number} of {ref.checklist_id} requires this to be controlled.",
                    "Three of the ten records sampled were not signed off; see R-0012.",
                    "Records are not consistently reviewed before release.",
                    "3 of 10",
                    None,
                    "Production",
                    [],
                    [],
                    [key],
                )
                raised.append(create_finding(ws, nc))
            for n, data in enumerate(photos):
                finding = raised[n] if n < len(raised) else None
                response = None if finding else responses[n % len(responses)]
                photo = add_photo(ws, store, data, response=response, finding=finding)
                stored += photo.size
    finally:
        engine.dispose()
    return stored


def _clause_items(tree: IntegratedTree, answered: set[str]) -> list[tuple[IntegratedNode, str]]:
    """(clause node, one answered item under it) for each clause that has answered items."""
    pairs = []
    for node in tree.iter_nodes():
        keys = [q.item_key for q in node.iter_questions() if q.item_key in answered]
        if node.refs and keys:
            pairs.append((node, keys[0]))
    return pairs


def copy_dirs(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Replace each target folder by a copy of its source (nothing may hold them open)."""
    for source, target in pairs:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


def _bench_put():  # type: ignore[no-untyped-def]
    """PUT /bench/put: read the body and drop it (the yardstick for upload throughput).

    With ?durable=1 the body is stored as PhotoStore.put stores a photo (hash, temporary file,
    fsync, rename, folder fsync): the least any upload that keeps the bytes must do.
    """
    from flask import current_app, request

    from auditkit.photostore import PhotoStore

    if not request.args.get("durable"):
        while request.stream.read(256 * 1024):
            pass
        return "", 204
    body = request.get_data(cache=False)
    store = PhotoStore(Path(current_app.config["DATA_DIR"]) / "bench-put")
    store.put(body, hashlib.sha256(body).hexdigest(), checked=True)
    return "", 204


def serve() -> None:
    """Child process: the CB app (plus PUT /bench/put) on a threaded werkzeug server.

    Prints the port on its first line of output, then serves until terminated. Werkzeug's
    server closes the connection after each response (as gunicorn's sync workers do), so every
    request, PATCH or plain PUT alike, opens a connection.
    """
    from werkzeug.serving import WSGIRequestHandler, make_server

    from auditkit.cb import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass  # no access log line per request

    app = create_app({"CSRF_EXEMPT_PREFIXES": ("/api/", "/bench/")})
    app.add_url_rule("/bench/put", "bench_put", _bench_put, methods=["PUT"])
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    print(server.server_port, flush=True)
    server.serve_forever()


@contextmanager
def cb_process() -> Iterator[int]:
    """Run `serve` in a child process (environment inherited); yield its port."""
    code = "from bench.sync_fixture import serve; serve()"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.strip():
            raise RuntimeError("the CB server process did not start")
        yield int(line)
    finally:
        child.terminate()
        child.wait(timeout=10)


# ---- (e) many laptops: PostgreSQL and gunicorn ----

PG_ADMIN = "host=127.0.0.1 port=5432 user=auditkit password=auditkit dbname=postgres"
BENCH_DB = "auditkit_bench"
BENCH_DB_URL = f"postgresql+psycopg://auditkit:auditkit@127.0.0.1:5432/{BENCH_DB}"
FLEET_PASSWORD = "bench-password-2024"


class Skipped(Exception):
    """A part of the benchmark cannot run here (the message says why)."""


def create_bench_database() -> None:
    """Create an empty `auditkit_bench` owned by `auditkit` (via the postgres user if needed)."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")  # an aborted run's
            try:
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
                return
            except psycopg.errors.InsufficientPrivilege:
                pass  # the usual case: the auditkit role has no CREATEDB
    except psycopg.OperationalError as exc:
        raise Skipped(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc})") from exc
    if os.geteuid() == 0:
        argv = ["su", "postgres", "-c", f"createdb -O auditkit {BENCH_DB}"]
    else:
        argv = ["sudo", "-n", "-u", "postgres", "createdb", "-O", "auditkit", BENCH_DB]
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        raise Skipped(f"cannot create {BENCH_DB} (role auditkit lacks CREATEDB): {detail}") from exc


def drop_bench_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def seed_fleet(url: str, count: int) -> list[tuple[str, uuid.UUID, uuid.UUID]]:
    """The demo, plus `count` auditors each leading their own ISO 9001 audit.

    Returns (username, user id, audit id) per auditor.
    """
    from datetime import date

    from werkzeug.security import generate_password_hash

    from auditkit import demo
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import Audit, AuditTeamMember, AuditType, Role, TeamRole, User, UserRole
    from auditkit.planning import pin_checklists

    password_hash = generate_password_hash(FLEET_PASSWORD)  # one hash: same cost to verify
    engine = make_engine(url)
    fleet = []
    try:
        with make_session_factory(engine).begin() as session:
            organisation = demo.seed_server(session).organisation
            for n in range(count):
                user = User(
                    username=f"bench{n:02d}",
                    full_name=f"Bench Auditor {n:02d}",
                    email=f"bench{n:02d}@cb.example",
                    password_hash=password_hash,
                    roles=[UserRole(role=Role.AUDITOR)],
                )
                audit = Audit(
                    organisation=organisation,
                    audit_type=AuditType.SURVEILLANCE,
                    start_date=date(2026, 11, 2 + n % 20),
                    end_date=date(2026, 11, 3 + n % 20),
                    team=[AuditTeamMember(user=user, role=TeamRole.LEAD)],
                )
                session.add(audit)
                session.flush()
                pin_checklists(session, audit, ["iso9001-2015"])
                fleet.append((user.username, user.id, audit.id))
    finally:
        engine.dispose()
    return fleet


@contextmanager
def gunicorn(workers: int, log: Path, threads: int = 1) -> Iterator[str]:
    """`gunicorn -w N [--threads T] 'auditkit.cb:create_app()'` on a free loopback port.

    Yields its URL. With threads > 1 gunicorn uses gthread workers.
    """
    import socket
    import time

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if threads > 1:
        argv += ["--threads", str(threads)]
    argv += ["--log-level", "warning", "auditkit.cb:create_app()"]
    with open(log, "w") as output:
        child = subprocess.Popen(argv, cwd=REPO, env=dict(os.environ), stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 30
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:  # an HTTP answer: a worker has booted, not just the master's socket
                requests.get(f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start within 30 s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
