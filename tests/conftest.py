"""Shared fixtures: an isolated environment, a migrated database (SQLite or PostgreSQL), the apps.

Every database test runs on SQLite; set AUDITKIT_TEST_DATABASE_URL to a PostgreSQL URL to run
the same tests on PostgreSQL (each test gets a fresh schema). Under pytest-xdist each worker
uses a database of its own beside that one (`<name>_gw0`, ...), made on first use; the role
needs CREATEDB for that (.ci/postgres-start grants it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from auditkit.db import make_engine, make_session_factory
from auditkit.migrate import FIELD_TARGET, upgrade


def _worker_url(url: str) -> str:
    """The PostgreSQL URL of this xdist worker's own database (the URL itself when serial)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_url(os.environ.get("AUDITKIT_TEST_DATABASE_URL", ""))
ENV_VARS = (
    "AUDITKIT_DATA_DIR",
    "AUDITKIT_SERVER_DATA_DIR",
    "AUDITKIT_SERVER_DATABASE_URL",
    "AUDITKIT_CHECKLISTS_DIR",
    "AUDITKIT_SECURE_COOKIES",
    "AUDITKIT_SMTP_HOST",
    "AUDITKIT_SMTP_PORT",
    "AUDITKIT_SMTP_TLS",
    "AUDITKIT_SMTP_USER",
    "AUDITKIT_SMTP_PASSWORD",
    "AUDITKIT_MAIL_FROM",
    "AUDITKIT_PUBLIC_URL",
    "AUDITKIT_CB_NAME",
    "AUDITKIT_CB_ADDRESS",
    "AUDITKIT_CB_ACCREDITATION",
    "AUDITKIT_CERT_NUMBER_PATTERN",
    "AUDITKIT_CERT_PREFIX",
    "AUDITKIT_CERT_VALIDITY_YEARS",
    "AUDITKIT_CERT_EXPIRY_MINUS_ONE_DAY",
    "AUDITKIT_ACCREDITED_SCOPE",
    "AUDITKIT_CERT_SIGNING_KEY",
    "AUDITKIT_CERT_SIGNING_CERT",
    "AUDITKIT_PUBLIC_RATE_LIMIT",
    "AUDITKIT_PUBLIC_RATE_WINDOW",
    "AUDITKIT_PROXY_HOPS",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the user's real data folders."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITKIT_DATA_DIR", str(tmp_path / "laptop"))
    monkeypatch.setenv("AUDITKIT_SERVER_DATA_DIR", str(tmp_path / "server"))
    return tmp_path


def create_postgres_database(url: str) -> None:
    """Create the URL's database when it does not exist yet (connecting to `postgres`)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            known = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not known:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def reset_postgres(url: str) -> None:
    create_postgres_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def empty_postgres(url: str) -> None:
    """Delete every row (fast), keeping the migrated schema."""
    from auditkit.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file made once per run; tests get copies. Migrates PostgreSQL once too."""
    if POSTGRES_URL:
        reset_postgres(POSTGRES_URL)
        upgrade(POSTGRES_URL)
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


def _copy_template(template: Path, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def server_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_template: Path) -> str:
    """A migrated server database with no rows: PostgreSQL when configured, else SQLite."""
    if POSTGRES_URL:
        empty_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = _copy_template(migrated_template, tmp_path / "server" / "server.sqlite3")
    monkeypatch.setenv("AUDITKIT_SERVER_DATABASE_URL", url)
    return url


@pytest.fixture
def migrated_server_db(server_db_url: str) -> str:
    return server_db_url


@pytest.fixture
def server_engine(migrated_server_db: str) -> Iterator[Engine]:
    engine = make_engine(migrated_server_db)
    yield engine
    engine.dispose()


@pytest.fixture
def server_session(server_engine: Engine) -> Iterator[Session]:
    with make_session_factory(server_engine)() as session:
        yield session


@pytest.fixture(scope="session")
def field_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A laptop database made once per run: the shared branch only, as a laptop has."""
    path = tmp_path_factory.mktemp("field-template") / "field.sqlite3"
    upgrade(f"sqlite:///{path}", FIELD_TARGET)
    return path


@pytest.fixture
def laptop_db_url(tmp_path: Path, field_template: Path) -> str:
    return _copy_template(field_template, tmp_path / "laptop" / "field.sqlite3")


@pytest.fixture
def laptop_engine(laptop_db_url: str) -> Iterator[Engine]:
    engine = make_engine(laptop_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(server_engine: Engine, laptop_engine: Engine):  # type: ignore[no-untyped-def]
    """The demo data on the server and on the demo laptop."""
    from auditkit import demo
    from tests.laptop_copy import copy_audit_to_laptop

    with make_session_factory(server_engine).begin() as session:
        audit = demo.seed_server(session)
        audit_id = audit.id
    copy_audit_to_laptop(server_engine, laptop_engine, audit_id, "auditor1")
    return audit_id


@pytest.fixture
def field_app(laptop_db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from auditkit.field import create_app

    return create_app(
        {"TESTING": True, "DATABASE_URL": laptop_db_url, "DATA_DIR": tmp_path / "laptop"}
    )


@pytest.fixture
def field_client(field_app):  # type: ignore[no-untyped-def]
    return field_app.test_client()


@pytest.fixture
def cb_app(migrated_server_db: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from auditkit.cb import create_app

    return create_app(
        {"TESTING": True, "DATABASE_URL": migrated_server_db, "DATA_DIR": tmp_path / "server"}
    )


@pytest.fixture
def cb_client(cb_app):  # type: ignore[no-untyped-def]
    return cb_app.test_client()


def describe_db(url: str) -> str:
    return make_url(url).get_backend_name()


if TYPE_CHECKING:
    from tests.factories import Factory


@pytest.fixture
def factory(server_engine: Engine) -> Iterator[Factory]:
    """The test factories (tests/factories.py) bound to a fresh session on the server database."""
    from tests.factories import Factory

    with make_session_factory(server_engine)() as session:
        yield Factory(session)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) on loopback, and the environment pointing the CB at it."""
    from tests.mail_server import LocalSMTP

    with LocalSMTP() as server:
        monkeypatch.setenv("AUDITKIT_SMTP_HOST", server.host)
        monkeypatch.setenv("AUDITKIT_SMTP_PORT", str(server.port))
        monkeypatch.setenv("AUDITKIT_SMTP_TLS", "none")
        monkeypatch.setenv("AUDITKIT_MAIL_FROM", "Example CB <certification@cb.example>")
        monkeypatch.setenv("AUDITKIT_PUBLIC_URL", "http://cb.example")
        yield server
