"""The public certificate check on PostgreSQL with 1,000,000 certificates.

Takes the server from AUDITKIT_BENCH_DATABASE_URL (default: the local test server) and keeps
its data in a database of its own on it, `auditkit_bench_lookup` (made when missing, never
the URL's own database: the tests and bench_planning wipe theirs). It is loaded once with
COPY and reused while it holds the bench's rows; AUDITKIT_BENCH_LOOKUP_RELOAD=1 loads it
again, and `DROP DATABASE auditkit_bench_lookup` removes it.

The data: 1,000,000 certificates of 200,000 clients, one site each, a tenth of them revised
once (so 1,100,000 revision rows, the old ones superseded), statuses mixed (most valid, some
suspended, withdrawn or past their expiry date). Then 2,000 lookups of random numbers go
through the CB app's test client to /api/public/v1/certificates/<number>, the rate limit off
(PUBLIC_RATE_LIMIT=0), each timed from the call to the answer; target p95 <= 20 ms.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgresql+psycopg://auditkit:auditkit@127.0.0.1:5432/auditkit_test"
DATABASE = "auditkit_bench_lookup"
CERTIFICATES = 1_000_000
CLIENTS = 200_000
REVISED_EVERY = 10  # every tenth certificate has a superseded revision 0 as well
LOOKUPS = 2_000
TARGET_P95 = 0.020
CODES = ("QMS", "EMS", "OHS", "ISMS")
SCHEMES = {
    "QMS": ("iso9001-2015", "ISO 9001", "2015"),
    "EMS": ("iso14001-2015", "ISO 14001", "2015"),
    "OHS": ("iso45001-2018", "ISO 45001", "2018"),
    "ISMS": ("iso27001-2022", "ISO/IEC 27001", "2022"),
}


def run() -> None:
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("AUDITKIT_BENCH_DATABASE_URL", DEFAULT_URL))
    url = base.set(database=DATABASE).render_as_string(hide_password=False)
    shown = make_url(url).render_as_string(hide_password=True)
    reason = _unreachable(url)
    if reason:
        print(f"SKIP bench_public_lookup: PostgreSQL at {shown} is unreachable ({reason})")
        return
    started = time.perf_counter()
    loaded = prepare(url)
    took = time.perf_counter() - started
    print(
        f"database {shown}: {CERTIFICATES} certificates of {CLIENTS} clients "
        f"({'loaded' if loaded else 'reused'} in {took:.1f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        measure_lookups(url, Path(tmp))


# ---- the database ----


def certificate_number(n: int) -> str:
    """The n-th certificate's number (n from 0), unique: AK-<code>-<year>-<seq>."""
    return f"AK-{CODES[n % 4]}-{2016 + (n // 4) % 10}-{n // 40 + 1:05d}"


def _unreachable(url: str) -> str:
    """Why PostgreSQL cannot be reached (creating the bench's database if missing), or ""."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        return f"not a PostgreSQL URL: {target.get_backend_name()}"
    admin = create_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as conn:
            known = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
            )
            if not known:
                conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    except SQLAlchemyError as exc:
        return str(exc.orig or exc).strip().splitlines()[0]
    finally:
        admin.dispose()
    return ""


def _loaded(engine: Any) -> bool:
    """Whether the database holds the bench's rows and every column the models have."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import ProgrammingError

    from auditkit.models import Base

    try:
        with engine.connect() as conn:
            current = conn.scalar(text("SELECT count(*) FROM certificates WHERE is_current"))
    except ProgrammingError:  # not migrated yet
        return False
    if current != CERTIFICATES:
        return False
    found = inspect(engine)
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in found.get_columns(table.name)}
        if any(c.name not in have for c in table.columns):
            return False  # a migration changed since the load
    return True


def prepare(url: str) -> bool:
    """Migrate and load the bench's database unless it is loaded already; True when loaded."""
    from sqlalchemy import text

    from auditkit.db import make_engine
    from auditkit.migrate import upgrade

    engine = make_engine(url)
    try:
        if os.environ.get("AUDITKIT_BENCH_LOOKUP_RELOAD") != "1":
            upgrade(url)
            if _loaded(engine):
                return False
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(url)
        load(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return True
    finally:
        engine.dispose()


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(engine: Any) -> None:
    """Clients, their certifications and sites, and the certificates, with COPY."""
    now = datetime.now(UTC)
    today = date.today()
    orgs = [uuid.uuid4() for _ in range(CLIENTS)]
    sites = [uuid.uuid4() for _ in range(CLIENTS)]
    certifications = [uuid.uuid4() for _ in range(CLIENTS * len(CODES))]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _copy(
            cursor,
            "organisations",
            ("id", "name", "legal_name", "address", "city", "country", "sector_codes")
            + ("registration_number", "public_directory", "created_at", "updated_at"),
            (
                (o, f"Client {i:06d}", f"Client {i:06d} B.V.", f"Teststraat {i % 300 + 1}",
                 "Utrecht", "NL", "17", f"{i:08d}", i % 20 != 0, now, now)
                for i, o in enumerate(orgs)
            ),
        )  # fmt: skip
        _copy(
            cursor,
            "sites",
            ("id", "organisation_id", "name", "address", "city", "country", "activities")
            + ("is_headquarters", "kind", "shift_personnel", "created_at", "updated_at"),
            (
                (s, orgs[i], "Head office", f"Teststraat {i % 300 + 1}", "Utrecht", "NL",
                 "Manufacturing and assembly.", True, "permanent", "[40]", now, now)
                for i, s in enumerate(sites)
            ),
        )  # fmt: skip
        _copy(
            cursor,
            "certifications",
            ("id", "organisation_id", "scheme", "scope", "sector_codes", "nace_codes")
            + ("personnel", "isms_factors", "exclusions", "soa_version", "review_checks")
            + ("review_notes", "next_planned", "created_at", "updated_at"),
            (
                (c, orgs[i // len(CODES)], SCHEMES[CODES[i % len(CODES)]][0],
                 "Manufacturing and assembly of metal products.", "[17]", '["25.62"]',
                 '{"full_time": 40}', "{}", "[]", "", "[]", "", False, now, now)
                for i, c in enumerate(certifications)
            ),
        )  # fmt: skip
        # Two passes of the same seeded stream: the certificates, then their sites, so
        # neither 1.1 million rows are held in memory at once.
        _copy(
            cursor,
            "certificates",
            ("id", "number", "revision", "is_current", "organisation_id", "certification_id")
            + ("status", "status_since", "status_reason", "holder_name", "holder_address")
            + ("holder_city", "holder_country", "scheme", "standards", "scope", "sector_codes")
            + ("original_date", "issue_date", "effective_date", "cycle_start", "expiry_date")
            + ("accredited", "soa_version", "created_at", "updated_at"),
            (cert for cert, _site in _certificates(orgs, sites, certifications, today, now)),
        )
        _copy(
            cursor,
            "certificate_sites",
            ("certificate_id", "site_id", "position", "name", "address", "city", "country")
            + ("is_headquarters", "scope"),
            (site for _cert, site in _certificates(orgs, sites, certifications, today, now)),
        )
        raw.commit()
    finally:
        raw.close()


def _certificates(
    orgs: list[uuid.UUID],
    sites: list[uuid.UUID],
    certifications: list[uuid.UUID],
    today: date,
    now: datetime,
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Each revision row of each certificate with its site row; the same on every call."""
    rnd = random.Random(1021)
    scope = "Manufacturing and assembly of metal products."
    for n in range(CERTIFICATES):
        code = CODES[n % 4]
        client = rnd.randrange(CLIENTS)
        certification = certifications[client * len(CODES) + n % 4]
        scheme, standard, edition = SCHEMES[code]
        standards = json.dumps([{"standard": standard, "edition": edition}])
        start = today - timedelta(days=rnd.randint(0, 3 * 365 + 200))  # some past expiry
        roll = rnd.random()
        stored = "suspended" if roll < 0.05 else "withdrawn" if roll < 0.10 else "active"
        revisions = (0, 1) if n % REVISED_EVERY == 0 else (0,)
        address = f"Teststraat {client % 300 + 1}"
        for revision in revisions:
            cert_id = uuid.UUID(int=rnd.getrandbits(128))
            yield (
                (cert_id, certificate_number(n), revision, revision == revisions[-1],
                 orgs[client], certification, stored, start, "", f"Client {client:06d} B.V.",
                 address, "Utrecht", "NL", scheme, standards, scope, "[17]", start,
                 start + timedelta(days=revision * 200), start, start,
                 start + timedelta(days=3 * 365 - 1), roll < 0.8, "", now, now),
                (cert_id, sites[client], 0, "Head office", address, "Utrecht", "NL", True, scope),
            )  # fmt: skip


# ---- the lookups ----


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, int(round(share * len(ordered))) - 1)]


def measure_lookups(url: str, data_dir: Path) -> None:
    from sqlalchemy import event

    from auditkit.cb import create_app
    from auditkit.web.database import EXTENSION

    app = create_app(
        {
            "DATABASE_URL": url,
            "DATA_DIR": data_dir,
            "SECRET_KEY": "bench-" + "x" * 40,
            "PUBLIC_RATE_LIMIT": 0,  # the bench is one address asking 2,000 times
        }
    )
    engine = app.extensions[EXTENSION].kw["bind"]
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1)
    )
    client = app.test_client()
    rnd = random.Random(7)
    numbers = [certificate_number(rnd.randrange(CERTIFICATES)) for _ in range(LOOKUPS)]
    for number in numbers[:20]:  # warm-up: connections, statement caches
        assert client.get(f"/api/public/v1/certificates/{number}").status_code == 200
    statements[0] = 0
    client.get(f"/api/public/v1/certificates/{numbers[0]}")
    per_request = statements[0]
    times, labels = [], set()
    for number in numbers:
        start = time.perf_counter()
        answer = client.get(f"/api/public/v1/certificates/{number}")
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, (number, answer.status_code)
        labels.add(answer.get_json()["status_label"])
    unknown = []
    for n in range(200):
        start = time.perf_counter()
        answer = client.get(f"/api/public/v1/certificates/AK-QMS-1999-{n:05d}")
        unknown.append(time.perf_counter() - start)
        assert answer.status_code == 404
    ordered = sorted(times)
    p50, p95, p99 = (_percentile(ordered, s) for s in (0.50, 0.95, 0.99))
    verdict = "PASS" if p95 <= TARGET_P95 else "FAIL"
    print(
        f"public lookup: n={len(times)} p50={p50 * 1000:.2f} ms p95={p95 * 1000:.2f} ms "
        f"p99={p99 * 1000:.2f} ms max={ordered[-1] * 1000:.2f} ms sql={per_request} "
        f"{verdict} (p95 <= {TARGET_P95 * 1000:.0f} ms); statuses seen: {', '.join(sorted(labels))}"
    )
    ordered = sorted(unknown)
    p50, p95 = (_percentile(ordered, s) for s in (0.50, 0.95))
    print(
        f"public lookup of unknown numbers (404): n={len(unknown)} "
        f"p50={p50 * 1000:.2f} ms p95={p95 * 1000:.2f} ms"
    )
    # What counting costs: the same lookups with the limit on (high enough never to trip),
    # one upsert and a commit more per request.
    app.config["PUBLIC_RATE_LIMIT"] = 10 * LOOKUPS
    counted = []
    for number in numbers:
        start = time.perf_counter()
        answer = client.get(f"/api/public/v1/certificates/{number}")
        counted.append(time.perf_counter() - start)
        assert answer.status_code == 200, (number, answer.status_code)
    ordered = sorted(counted)
    p50, p95, p99 = (_percentile(ordered, s) for s in (0.50, 0.95, 0.99))
    print(
        f"public lookup, rate limit on: n={len(counted)} p50={p50 * 1000:.2f} ms "
        f"p95={p95 * 1000:.2f} ms p99={p99 * 1000:.2f} ms "
        f"{'PASS' if p95 <= TARGET_P95 else 'FAIL'} (p95 <= {TARGET_P95 * 1000:.0f} ms)"
    )
