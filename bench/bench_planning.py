"""The planning pages on PostgreSQL at a CB's size: 5,000 clients, 50,000 audits.

Seeds `AUDITKIT_BENCH_DATABASE_URL` (default: the local `auditkit_bench` database, created
when missing) once with bulk inserts, and reuses it while its counts are right; then times the
staff pages through the CB app's test client, signed in as a planner (and the dashboard as an
auditor), each against a p95 target of 100 ms. Each line also gives the SQL statements one
request runs, which is where an N+1 shows first.

The pinned checklists hold their real id, edition, version and hash but a stub for the YAML
text (80 KB a file, 50,000 times, would be 4 GB): no planning page reads that column (it is
deferred), so the pages are timed as they run.

The CB app calls gc.freeze() when it starts (outside tests; AUDITKIT_GC_FREEZE=0 turns it
off, to compare): without it a full collection walks every long-lived object now and then,
which is most of the gap between median and p95 here. AUDITKIT_BENCH_GC_FREEZE=1 freezes
once more after the first pages, with the caches warm.
"""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.timing import measure, summary

DEFAULT_URL = "postgresql+psycopg://auditkit:auditkit@127.0.0.1:5432/auditkit_bench"
CLIENTS = 5_000
AUDITS = 50_000
AUDITORS = 200
BIG_CLIENT_AUDITS = 400  # one client with many audits: its page needs 8 pages of them
TARGET_P95 = 0.100
REPEAT = 100
PASSWORD = "bench-password"
PLANNER = "bench-planner"
AUDITOR = "bench-auditor-001"
SEARCH = "metaal"  # about one client in eight has it in its name
SCHEMES = ("iso9001-2015", "iso14001-2015", "iso45001-2018", "iso27001-2022")
PREFIXES = (
    "Aalsmeer", "Brightwater", "Delta", "Eindhoven", "Friesland", "Groningen", "Holland",
    "IJssel", "Kempen", "Limburg", "Maas", "Noord", "Oost", "Rijn", "Twente", "Utrecht",
    "Veluwe", "West", "Zeeland", "Zuid",
)  # fmt: skip
KINDS = (
    "Metaal", "Bouw", "Logistiek", "Techniek", "Installatie", "Components", "Foods", "Chemie",
)  # fmt: skip
FORMS = ("B.V.", "Groep", "Holding", "& Zn.", "Services")


def run() -> None:
    url = os.environ.get("AUDITKIT_BENCH_DATABASE_URL", DEFAULT_URL)
    reason = _unreachable(url)
    if reason:
        print(f"SKIP bench_planning: PostgreSQL at {_safe(url)} is unreachable ({reason})")
        return
    started = time.perf_counter()
    seeded = prepare(url)
    took = time.perf_counter() - started
    print(
        f"database {_safe(url)}: {CLIENTS} clients, {AUDITS} audits "
        f"({'seeded' if seeded else 'reused'} in {took:.1f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        measure_pages(url, Path(tmp))


# ---- the database ----


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _unreachable(url: str) -> str:
    """Why PostgreSQL cannot be reached (creating the database if missing), or ""."""
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
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not known:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            # The setting the README's deployment section asks for on SSD storage (the
            # default of 4 makes PostgreSQL walk the audit list's index for an auditor's few
            # audits). AUDITKIT_BENCH_PG_DEFAULTS=1 leaves the database as it is, to compare.
            cost = "DEFAULT" if os.environ.get("AUDITKIT_BENCH_PG_DEFAULTS") == "1" else "1.1"
            conn.execute(text(f'ALTER DATABASE "{target.database}" SET random_page_cost = {cost}'))
            print(f"(random_page_cost = {cost.lower()}, as the README's deployment section says)")
    except SQLAlchemyError as exc:
        return str(exc.orig or exc).strip().splitlines()[0]
    finally:
        admin.dispose()
    return ""


def _counts(engine: Any) -> tuple[int, int]:
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    try:
        with engine.connect() as conn:
            return (
                conn.scalar(text("SELECT count(*) FROM organisations")) or 0,
                conn.scalar(text("SELECT count(*) FROM audits")) or 0,
            )
    except ProgrammingError:  # not migrated yet
        return 0, 0


def _missing_columns(engine: Any) -> list[str]:
    """The models' columns the database lacks: a migration edited after this database was
    seeded (it is then seeded again)."""
    from sqlalchemy import inspect

    from auditkit.models import Base

    found = inspect(engine)
    tables = set(found.get_table_names())
    missing = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(table.name)
            continue
        have = {c["name"] for c in found.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing


def prepare(url: str) -> bool:
    """Migrate the bench database and seed it unless it holds the bench's data already;
    True when it was (re)seeded."""
    from sqlalchemy import text

    from auditkit.db import make_engine
    from auditkit.migrate import upgrade

    engine = make_engine(url)
    try:
        if _counts(engine) == (CLIENTS, AUDITS):
            upgrade(url)
            if not _missing_columns(engine):
                return False
        with engine.begin() as conn:  # a half-seeded or other database: start again
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(url)
        seed(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return True
    finally:
        engine.dispose()


def _rows(n: int, make: Any) -> list[dict[str, Any]]:
    return [make(i) for i in range(n)]


def seed(engine: Any) -> None:
    """5,000 clients (1-3 sites, a contact, 1-2 certifications, some certified), 50,000
    audits with their sites, certification, team (a lead and up to two auditors of 200) and
    pinned checklist, a planner and the auditors; all in bulk inserts."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from auditkit.db import make_session_factory
    from auditkit.models import (
        Audit,
        AuditChecklist,
        AuditStatus,
        AuditTeamMember,
        AuditType,
        Certification,
        CertificationCycle,
        Contact,
        Organisation,
        Role,
        Site,
        TeamRole,
        User,
        UserRole,
    )
    from auditkit.models.audits import audit_sites
    from auditkit.models.certification import audit_certifications, certification_sites
    from auditkit.planning.pinning import find_checklist

    rnd = random.Random(2024)
    now = datetime.now(UTC)
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

    users = [{"id": uuid.uuid4(), "username": PLANNER, "full_name": "Bench Planner"}]
    users += [
        {"id": uuid.uuid4(), "username": f"bench-auditor-{n:03d}", "full_name": f"Auditor {n:03d}"}
        for n in range(1, AUDITORS + 1)
    ]
    for u in users:
        u.update(email=f"{u['username']}@cb.example", password_hash=password_hash)
    roles = [{"user_id": users[0]["id"], "role": Role.PLANNER}]
    roles += [{"user_id": u["id"], "role": Role.AUDITOR} for u in users[1:]]
    auditor_ids = [u["id"] for u in users[1:]]

    orgs, sites, contacts, certs, cert_sites, cycles = [], [], [], [], [], []
    org_sites: list[list[uuid.UUID]] = []
    org_certs: list[list[tuple[uuid.UUID, str]]] = []
    for i in range(CLIENTS):
        name = (
            f"{rnd.choice(PREFIXES)} {rnd.choice(KINDS)} {rnd.choice(FORMS)} {i:04d}"
            if i
            else "Aardvark Metaal Groep 0000"
        )
        org_id = uuid.uuid4()
        orgs.append(
            {"id": org_id, "name": name, "legal_name": name, "city": "Utrecht", "country": "NL"}
        )
        mine = []
        for s in range(rnd.randint(1, 3)):
            site_id = uuid.uuid4()
            mine.append(site_id)
            sites.append(
                {
                    "id": site_id,
                    "organisation_id": org_id,
                    "name": f"Site {s + 1} of {name}",
                    "address": f"Teststraat {s + 1}",
                    "city": "Utrecht",
                    "country": "NL",
                    "activities": "Manufacturing and assembly.",
                    "is_headquarters": s == 0,
                    "shift_personnel": [rnd.randint(5, 120)],
                }
            )
        org_sites.append(mine)
        contacts.append(
            {
                "id": uuid.uuid4(),
                "organisation_id": org_id,
                "name": f"Contact of {name}",
                "job_title": "Quality manager",
                "email": f"contact{i}@client.example",
                "is_management_representative": True,
            }
        )
        chosen = []
        for scheme in rnd.sample(SCHEMES[:3], rnd.randint(1, 2)):
            cert_id = uuid.uuid4()
            chosen.append((cert_id, scheme))
            personnel = rnd.randint(5, 400)
            reviewed = rnd.random() < 0.8
            certs.append(
                {
                    "id": cert_id,
                    "organisation_id": org_id,
                    "scheme": scheme,
                    "scope": f"Manufacturing and assembly at {name}.",
                    "sector_codes": [17],
                    "nace_codes": ["25.62"],
                    "personnel": {"full_time": personnel},
                    "effective_personnel": personnel,
                    "complexity": "medium" if scheme != "iso9001-2015" else None,
                    "reviewed_at": now if reviewed else None,
                    "review_checks": [],
                }
            )
            cert_sites += [{"certification_id": cert_id, "site_id": s} for s in mine]
            certs[-1]["next_audit"] = "stage1"
            if reviewed and rnd.random() < 0.7:
                start = date(2022, 1, 1) + timedelta(days=rnd.randint(0, 1000))
                start = start.replace(day=min(start.day, 28))  # no 29 February
                # The next audit the programme keeps (overview.refresh_next_due does this in
                # the app): a surveillance due within two years either side of the seed day.
                certs[-1]["next_audit"] = "surveillance1"
                certs[-1]["next_due_by"] = start + timedelta(days=365)
                certs[-1]["next_planned"] = rnd.random() < 0.5
                cycles.append(
                    {
                        "id": uuid.uuid4(),
                        "certification_id": cert_id,
                        "start_date": start,
                        "expiry_date": start.replace(year=start.year + 3) - timedelta(days=1),
                        "origin": "decision",
                    }
                )
        org_certs.append(chosen)

    pinned = {}
    for scheme in SCHEMES:
        checklist = find_checklist(scheme)
        pinned[scheme] = {
            "checklist_id": checklist.id,
            "standard": checklist.standard,
            "edition": checklist.edition,
            "checklist_version": checklist.version,
            "content_sha256": checklist.content_hash,
            "content": f"# bench stub of {checklist.id}",
        }
    types = [AuditType.STAGE1, AuditType.STAGE2, AuditType.SURVEILLANCE, AuditType.RECERTIFICATION]
    statuses = list(AuditStatus)
    audits, a_sites, a_certs, team, checklists = [], [], [], [], []
    first_day = date(2019, 1, 1)
    for n in range(AUDITS):
        o = 0 if n < BIG_CLIENT_AUDITS else rnd.randrange(1, CLIENTS)
        audit_id = uuid.uuid4()
        start = first_day + timedelta(days=rnd.randint(0, 11 * 365))
        days = rnd.randint(1, 4)
        audits.append(
            {
                "id": audit_id,
                "number": f"BENCH-{n + 1:06d}",
                "organisation_id": orgs[o]["id"],
                "audit_type": rnd.choice(types),
                "status": rnd.choice(statuses),
                "start_date": start,
                "end_date": start + timedelta(days=days - 1),
                "planned_days": Decimal(days),
                "objectives": "Evaluate the management system.",
                "scope": "Manufacturing and assembly.",
                "criteria": "The standard and the client's management system.",
            }
        )
        a_sites += [{"audit_id": audit_id, "site_id": s} for s in org_sites[o]]
        cert_id, scheme = rnd.choice(org_certs[o])
        a_certs.append({"audit_id": audit_id, "certification_id": cert_id})
        checklists.append({"audit_id": audit_id, "position": 0, **pinned[scheme]})
        people = rnd.sample(auditor_ids, rnd.randint(1, 3))
        team += [
            {
                "id": uuid.uuid4(),
                "audit_id": audit_id,
                "user_id": u,
                "role": TeamRole.LEAD if k == 0 else TeamRole.AUDITOR,
            }
            for k, u in enumerate(people)
        ]

    with make_session_factory(engine).begin() as session:
        for model, rows in (
            (User, users),
            (UserRole, roles),
            (Organisation, orgs),
            (Site, sites),
            (Contact, contacts),
            (Certification, certs),
            (certification_sites, cert_sites),
            (CertificationCycle, cycles),
            (Audit, audits),
            (audit_sites, a_sites),
            (audit_certifications, a_certs),
            (AuditTeamMember, team),
            (AuditChecklist, checklists),
        ):
            for start in range(0, len(rows), 10_000):
                session.execute(insert(model), rows[start : start + 10_000])


# ---- the pages ----


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, f"{username} could not sign in: {answer.status_code}"
    return client


def measure_pages(url: str, data_dir: Path) -> None:
    from sqlalchemy import event, func, select

    from auditkit.cb import create_app
    from auditkit.models import Audit, AuditTeamMember, Certification, Organisation, User
    from auditkit.web.database import EXTENSION

    app = create_app({"DATABASE_URL": url, "DATA_DIR": data_dir, "SECRET_KEY": "bench-" + "x" * 40})
    engine = app.extensions[EXTENSION].kw["bind"]
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1)
    )

    with app.extensions[EXTENSION]() as session:
        big = session.scalar(select(Organisation).where(Organisation.name.startswith("Aardvark")))
        # a typical client: one with about the average number of audits (10)
        typical = session.scalar(
            select(Organisation)
            .join(Audit, Audit.organisation_id == Organisation.id)
            .group_by(Organisation.id)
            .having(func.count(Audit.id) == AUDITS // CLIENTS)
            .order_by(Organisation.name)
            .limit(1)
        )
        assert big is not None and typical is not None
        certification = session.scalar(
            select(Certification)
            .where(Certification.organisation_id == typical.id)
            .order_by(Certification.scheme)
            .limit(1)
        )
        audit = session.scalar(
            select(Audit).where(Audit.organisation_id == typical.id).order_by(Audit.id).limit(1)
        )
        auditor_audits = session.scalar(
            select(func.count())
            .select_from(AuditTeamMember)
            .join(User, User.id == AuditTeamMember.user_id)
            .where(User.username == AUDITOR)
        )
        # an auditor on one of the big client's audits only: its page, as they see it
        on_big = session.scalar(
            select(User.username)
            .join(AuditTeamMember, AuditTeamMember.user_id == User.id)
            .join(Audit, Audit.id == AuditTeamMember.audit_id)
            .where(Audit.organisation_id == big.id)
            .group_by(User.username)
            .having(func.count() == 1)
            .order_by(User.username)
            .limit(1)
        )
        assert certification is not None and audit is not None and on_big is not None
    planner = _signed_in(app, PLANNER)
    auditor = _signed_in(app, AUDITOR)
    if os.environ.get("AUDITKIT_BENCH_GC_FREEZE") == "1":
        # What a server would do after start-up: its long-lived objects (modules, the app,
        # SQLAlchemy's and Jinja's caches) leave the collector's generations, so a full
        # collection no longer walks them (that walk is most of the p95 tail otherwise).
        planner.get("/")
        auditor.get("/")
        gc.collect()
        gc.freeze()
        print("(AUDITKIT_BENCH_GC_FREEZE=1: gc.freeze() after start-up)")
    big_auditor = auditor if on_big == AUDITOR else _signed_in(app, on_big)
    pages = [
        ("dashboard, page 1", planner, "/"),
        ("dashboard, audits page 500 of 1000", planner, "/?audits_page=500"),
        (f"dashboard, clients whose name contains {SEARCH!r}", planner, f"/?q={SEARCH}"),
        ("dashboard, audits with status 'submitted', page 20", planner,
         "/?status=submitted&audits_page=20"),
        (f"organisation page ({AUDITS // CLIENTS} audits)", planner,
         f"/organisations/{typical.id}"),
        (f"organisation page ({BIG_CLIENT_AUDITS} audits), page 8", planner,
         f"/organisations/{big.id}?audits_page=8"),
        ("certification page", planner, f"/certifications/{certification.id}"),
        ("plan-an-audit form", planner, f"/organisations/{typical.id}/audits/new"),
        ("audit page", planner, f"/audits/{audit.id}"),
        ("programme: overdue or at risk", planner, "/programme"),
        ("programme: all current certifications, page 20", planner, "/programme?show=all&page=20"),
        (f"dashboard as an auditor ({auditor_audits} audits), page 1", auditor, "/"),
        ("dashboard as an auditor, audits page 5", auditor, "/?audits_page=5"),
        (f"organisation page ({BIG_CLIENT_AUDITS} audits) as an auditor on one of them",
         big_auditor, f"/organisations/{big.id}"),
    ]  # fmt: skip
    failed = []
    for label, client, path in pages:
        answer = client.get(path)
        if answer.status_code != 200:  # say so and go on: the other pages still count
            failed.append(label)
            print(f"planning: {label}: FAIL ({path} answered HTTP {answer.status_code})")
            continue
        statements[0] = 0
        client.get(path)
        per_request = statements[0]
        times = measure(lambda c=client, p=path: c.get(p), repeat=REPEAT)
        ok = _p95(times) <= TARGET_P95
        if not ok:
            failed.append(label)
        print(
            f"{summary('planning: ' + label, times)} sql={per_request} "
            f"{'PASS' if ok else 'FAIL'} (p95 <= {TARGET_P95 * 1000:.0f} ms)"
        )
    print(
        f"planning pages: {len(pages) - len(failed)}/{len(pages)} within the p95 target"
        + (f"; missed: {', '.join(failed)}" if failed else "")
    )
