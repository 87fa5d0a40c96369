"""Sync on loopback: the demo laptop with 300 answers, 20 findings and 100 photos of ~0.5 MB.

The CB server runs in a child process (threaded werkzeug, SQLite) behind a byte-counting TCP
proxy (bench/wire.py); the laptop's server URL points at the proxy. Targets (sync issue):
(a) bytes on the wire / essential bytes (photo bytes + push and pull JSON bodies) <= 1.05;
(b) a second sync with nothing new: <= 3 requests and <= 8 KB;
(c) the same first sync cut once at 50% of the photo bytes, then resumed: total bytes <= 1.1x
    the uninterrupted sync;
(d) photo upload throughput >= 0.5x plain HTTP PUTs of the same bytes to the same server
    process through the same proxy, measured in the same run;
(e) 20 laptops syncing at once to the CB app under gunicorn (2 workers) on PostgreSQL:
    zero errors, p95 push latency; then again with `--threads 4` (gthread workers) to compare,
    for the README's deployment advice. Needs PostgreSQL on 127.0.0.1:5432 with the `auditkit` role
    (`bash .ci/postgres-start`); the bench creates and drops its own database `auditkit_bench`
    (through `su postgres -c createdb` when the role may not create databases). Without
    PostgreSQL, (e) prints "skipped" and the rest still runs.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from bench.sync_fixture import (
    BENCH_DB,
    BENCH_DB_URL,
    FLEET_PASSWORD,
    Skipped,
    cb_process,
    copy_dirs,
    create_bench_database,
    drop_bench_database,
    environment,
    fill_laptop,
    gunicorn,
    photo_jpeg,
    seed_demo,
    seed_fleet,
)
from bench.wire import Counts, TimedSession, WireProxy

if TYPE_CHECKING:
    from sync.client.run import Summary

ANSWERS, FINDINGS, PHOTOS = 300, 20, 100
WIRE_TARGET, QUIET_REQUESTS, QUIET_BYTES, RESUME_TARGET, SPEED_TARGET = 1.05, 3, 8192, 1.1, 0.5
FLEET, FLEET_ANSWERS, FLEET_PHOTOS, FLEET_WORKERS = 20, 30, 3, 2
FLEET_THREADS = 4  # the second fleet run: gthread workers, to compare with sync workers


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


@dataclass
class Measured:
    """One sync run: what it did, the bytes through the proxy, the client's call log."""

    summary: Summary
    wire: Counts
    calls: TimedSession
    seconds: float


def measured_sync(data_dir: Path, proxy: WireProxy) -> Measured:
    from sync.client.credentials import Credentials
    from sync.client.http import Api
    from sync.client.run import sync_now

    credentials = Credentials.load(data_dir)
    assert credentials is not None
    session = TimedSession()
    before = proxy.counts()
    started = time.perf_counter()
    summary = sync_now(data_dir, api=Api(credentials, data_dir, session=session))
    return Measured(summary, proxy.counts() - before, session, time.perf_counter() - started)


def point_at(data_dir: Path, url: str) -> None:
    from sync.client.credentials import Credentials

    credentials = Credentials.load(data_dir)
    assert credentials is not None
    credentials.server_url = url
    credentials.save(data_dir)


def run() -> None:
    started = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        with environment(
            AUDITKIT_DATA_DIR=str(root / "laptop"),
            AUDITKIT_SERVER_DATA_DIR=str(root / "server"),
            AUDITKIT_SERVER_DATABASE_URL="",  # the server's SQLite file in its data folder
        ):
            loopback(root)
        for threads in (1, FLEET_THREADS):
            try:
                fleet(root / f"fleet-{threads}", threads)
            except Skipped as exc:
                print(f"(e) skipped: {exc}")
                break
            except Exception:  # noqa: BLE001  (report it; the other figures stand)
                print(f"(e) MISS: the run failed:\n{traceback.format_exc()}")
    print(
        f"bench_sync runtime: {time.perf_counter() - started:.0f} s "
        f"(load average {os.getloadavg()[0]:.1f} at the end)"
    )


def loopback(root: Path) -> None:
    from auditkit.demo import AUDIT_ID
    from auditkit.photostore import PhotoStore

    laptop, server, snapshot = root / "laptop", root / "server", root / "snapshot"
    built = time.perf_counter()
    user_id = seed_demo()
    # Fresh interpreters: forking this process could copy locks held by other benchmarks' threads.
    with ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) as pool:
        photos = list(pool.map(photo_jpeg, range(PHOTOS), chunksize=10))
    photo_bytes = fill_laptop(
        laptop, AUDIT_ID, user_id, answers=ANSWERS, findings=FINDINGS, photos=photos
    )
    del photos
    print(
        f"demo laptop: {ANSWERS} answers, {FINDINGS} findings, {PHOTOS} photos of "
        f"{mb(photo_bytes / PHOTOS)} on average ({mb(photo_bytes)}), "
        f"built in {time.perf_counter() - built:.1f} s"
    )
    copy_dirs([(laptop, snapshot / "laptop"), (server, snapshot / "server")])

    with cb_process() as port, WireProxy(port) as proxy:
        point_at(laptop, proxy.url)
        first = measured_sync(laptop, proxy)
        report_first(first, photo_bytes)
        second = measured_sync(laptop, proxy)
        report_second(second)
        patched = [c.path.rsplit("/", 1)[1] for c in first.calls.calls if c.method == "PATCH"]
        files = [PhotoStore(laptop / "photos").path(sha) for sha in patched]
        plain = plain_puts(proxy, files)
        durable = plain_puts(proxy, files, durable=True)

    copy_dirs([(snapshot / "laptop", laptop), (snapshot / "server", server)])
    with cb_process() as port, WireProxy(port) as proxy:
        point_at(laptop, proxy.url)
        resumed_sync(laptop, proxy, photo_bytes, first.wire.total)
    report_throughput(first, photo_bytes, plain, durable)


def report_first(first: Measured, photo_bytes: int) -> None:
    summary = first.summary
    assert summary.ok, f"the first sync failed: {summary.error}"
    json_bytes = first.calls.json_bytes("/push", "/pull")
    essential = photo_bytes + json_bytes
    ratio = first.wire.total / essential
    print(
        f"(a) first full sync: {summary.pushed} mutations pushed, "
        f"{summary.blobs_uploaded} photos uploaded, "
        f"{len(first.calls.calls)} requests, {first.wire.connections} connections, "
        f"{first.seconds:.1f} s"
    )
    print(
        f"    wire {first.wire.total:,} B (up {first.wire.up:,}, down {first.wire.down:,}) / "
        f"essential {essential:,} B (photos {photo_bytes:,} + push/pull JSON {json_bytes:,}) "
        f"= {ratio:.4f} (target <= {WIRE_TARGET}): {verdict(ratio <= WIRE_TARGET)}"
    )


def report_second(second: Measured) -> None:
    count = len(second.calls.calls)
    paths = ", ".join(f"{c.method} {c.path}" for c in second.calls.calls)
    ok = count <= QUIET_REQUESTS and second.wire.total <= QUIET_BYTES
    print(
        f"(b) second sync, nothing new: {count} request(s) ({paths}), {second.wire.total:,} B "
        f"(target <= {QUIET_REQUESTS} requests and <= {QUIET_BYTES:,} B): {verdict(ok)}"
    )


def resumed_sync(laptop: Path, proxy: WireProxy, photo_bytes: int, uninterrupted: int) -> None:
    """The first sync again from the same state, cut once halfway through the photo bytes."""
    proxy.cut_once_at(proxy.counts().up + photo_bytes // 2)
    runs: list[Measured] = []
    while len(runs) < 5:
        runs.append(measured_sync(laptop, proxy))
        if runs[-1].summary.ok:
            break
    total = sum(r.wire.total for r in runs)
    retried = sum(1 for r in runs for c in r.calls.calls if c.status == 0)
    done = runs[-1].summary.ok
    ratio = total / uninterrupted
    errors = "; ".join(r.summary.error for r in runs if r.summary.error)
    print(
        f"(c) cut once at 50% of the photo bytes ({proxy.cuts} cut, {retried} failed request, "
        f"{len(runs)} sync run(s){', errors: ' + errors if errors else ''}): "
        f"total {total:,} B = {ratio:.4f} x uninterrupted {uninterrupted:,} B "
        f"(target <= {RESUME_TARGET}): {verdict(done and ratio <= RESUME_TARGET)}"
    )


def plain_puts(proxy: WireProxy, files: list[Path], *, durable: bool = False) -> float:
    """PUT each file's bytes to /bench/put on the same server through the same proxy; seconds."""
    bodies = [path.read_bytes() for path in files]
    url = f"{proxy.url}/bench/put" + ("?durable=1" if durable else "")
    with requests.Session() as session:
        started = time.perf_counter()
        for body in bodies:
            response = session.put(url, data=body, timeout=60)
            assert response.status_code == 204, response.status_code
        return time.perf_counter() - started


def report_throughput(first: Measured, photo_bytes: int, plain: float, durable: float) -> None:
    calls = first.calls.calls
    upload = [c for c in calls if c.path == "/blobs/check" or c.method == "PATCH"]
    seconds = max(c.end for c in upload) - min(c.start for c in upload)
    in_requests = sum(c.seconds for c in upload)
    ratio = plain / seconds  # same bytes: the ratio of rates is the inverse ratio of times
    print(
        f"(d) photo upload phase of the first sync: {mb(photo_bytes)} in {seconds:.2f} s "
        f"= {mb(photo_bytes / seconds)}/s ({in_requests:.2f} s inside {len(upload)} requests, "
        f"{seconds - in_requests:.2f} s on the laptop between them)"
    )
    print(
        f"    plain PUT of the same bytes, body discarded: {plain:.2f} s "
        f"= {mb(photo_bytes / plain)}/s; ratio {ratio:.2f} (target >= {SPEED_TARGET}): "
        f"{verdict(ratio >= SPEED_TARGET)}"
    )
    print(
        f"    (info) PUT storing each body durably as PhotoStore.put does: {durable:.2f} s "
        f"= {mb(photo_bytes / durable)}/s; sync / durable PUT ratio {durable / seconds:.2f}"
    )


def fleet(root: Path, threads: int) -> None:
    """(e) FLEET laptops sync at the same moment to gunicorn on PostgreSQL."""
    create_bench_database()
    try:
        with environment(
            AUDITKIT_SERVER_DATABASE_URL=BENCH_DB_URL,
            AUDITKIT_SERVER_DATA_DIR=str(root / "server"),
            AUDITKIT_DATA_DIR=str(root / "unused-laptop"),
        ):
            fleet_run(root, threads)
    finally:
        drop_bench_database()


def fleet_run(root: Path, threads: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from click.testing import CliRunner

    from auditkit.cli import main
    from auditkit.migrate import FIELD_TARGET, upgrade
    from sync.client.enrol import login
    from sync.client.run import sync_now

    setup = time.perf_counter()
    root.mkdir(parents=True)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    members = seed_fleet(BENCH_DB_URL, FLEET + 1)  # one more to time a sync alone first
    template = root / "template.sqlite3"
    upgrade(f"sqlite:///{template}", FIELD_TARGET)

    with gunicorn(FLEET_WORKERS, root / "gunicorn.log", threads) as url:

        def prepare(member: tuple[str, uuid.UUID, uuid.UUID]) -> Path:
            username, user_id, audit_id = member
            number = int(username.removeprefix("bench"))
            photos = [photo_jpeg(number * 10 + k, (640, 480)) for k in range(FLEET_PHOTOS)]
            data_dir = root / username
            data_dir.mkdir()
            (data_dir / "field.sqlite3").write_bytes(template.read_bytes())
            login(data_dir, url, username, FLEET_PASSWORD)
            assert sync_now(data_dir).ok  # pulls the audit
            fill_laptop(
                data_dir, audit_id, user_id, answers=FLEET_ANSWERS, findings=0, photos=photos
            )
            return data_dir

        with ThreadPoolExecutor(4) as pool:
            laptops = list(pool.map(prepare, members))
        print(
            f"(e) {FLEET} auditors on {BENCH_DB} (PostgreSQL), gunicorn -w {FLEET_WORKERS} "
            + (f"--threads {threads} (gthread workers)" if threads > 1 else "(sync workers)")
            + f"; each laptop: {FLEET_ANSWERS} answers + {FLEET_PHOTOS} photos of "
            f"640x480; set up in {time.perf_counter() - setup:.0f} s"
        )
        alone, alone_wall = all_at_once(laptops[FLEET:])
        together, wall = all_at_once(laptops[:FLEET])

    push_alone = [c.seconds for c in alone[0].calls.calls if c.path == "/push"]
    print(
        f"    one laptop alone first: sync {alone_wall:.2f} s, POST /push "
        f"{push_alone[0] * 1000:.0f} ms, {len(failures(alone))} errors"
    )
    report_fleet(together, wall, failures(alone), len(laptops))


@dataclass
class Outcome:
    """One laptop's sync in the fleet: its summary (None if it raised), call log, exception."""

    summary: Summary | None
    calls: TimedSession
    error: str = ""


def all_at_once(laptops: list[Path]) -> tuple[list[Outcome], float]:
    """Start every laptop's sync at one barrier; return each outcome and the wall time."""
    from sync.client.credentials import Credentials
    from sync.client.http import Api
    from sync.client.run import sync_now

    barrier = threading.Barrier(len(laptops) + 1)
    outcomes: list[Outcome] = [Outcome(None, TimedSession()) for _ in laptops]

    def one(outcome: Outcome, data_dir: Path) -> None:
        credentials = Credentials.load(data_dir)
        assert credentials is not None
        api = Api(credentials, data_dir, session=outcome.calls)
        barrier.wait()
        try:
            outcome.summary = sync_now(data_dir, api=api)
        except Exception as exc:  # noqa: BLE001  (counted as an error, not raised)
            outcome.error = repr(exc)

    pairs = zip(outcomes, laptops, strict=True)
    threads = [threading.Thread(target=one, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - started


def failures(outcomes: list[Outcome]) -> list[str]:
    """Syncs that raised, ended with an error or left anything unsent; requests that failed."""
    failed = [
        o.error or (o.summary.error if o.summary else "") or "not everything sent"
        for o in outcomes
        if o.error or o.summary is None or not o.summary.ok
    ]
    for call in (c for o in outcomes for c in o.calls.calls):
        if call.status == 0 or call.status >= 500:  # retried by the client, still an error here
            failed.append(f"{call.method} {call.path}: {call.status or 'no answer'}")
    return failed


def server_counts() -> tuple[int, int]:
    """Applied mutations and stored photos in the fleet's database."""
    from sqlalchemy import func, select

    from auditkit.db import make_engine
    from auditkit.models import AppliedMutation, Blob

    engine = make_engine(BENCH_DB_URL)
    try:
        with engine.connect() as conn:
            applied = conn.scalar(select(func.count()).select_from(AppliedMutation.__table__))
            blobs = conn.scalar(select(func.count()).select_from(Blob.__table__))
    finally:
        engine.dispose()
    return applied or 0, blobs or 0


def report_fleet(outcomes: list[Outcome], wall: float, earlier: list[str], laptops: int) -> None:
    failed = earlier + failures(outcomes)
    applied, blobs = server_counts()
    expected = laptops * (FLEET_ANSWERS + FLEET_PHOTOS)
    calls = [c for o in outcomes for c in o.calls.calls]
    pushes = sorted(c.seconds for c in calls if c.method == "POST" and c.path == "/push")
    p95 = pushes[max(0, int(round(0.95 * len(pushes))) - 1)]
    print(
        f"    all {FLEET} at once: {wall:.2f} s wall, {len(calls)} requests; server holds "
        f"{applied} applied mutations (expected {expected}) and {blobs} photos"
    )
    print(
        f"    POST /push latency (client side, incl. queueing for a worker): n={len(pushes)} "
        f"median={statistics.median(pushes) * 1000:.0f} ms p95={p95 * 1000:.0f} ms "
        f"max={pushes[-1] * 1000:.0f} ms"
    )
    ok = not failed and applied == expected
    print(
        f"    errors (failed syncs; requests without answer or 5xx, even if retried): "
        f"{len(failed)} (target 0): {verdict(ok)}" + (f" {failed[:3]}" if failed else "")
    )
