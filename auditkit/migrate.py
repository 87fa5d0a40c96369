"""Database upgrades through Alembic, for the server and for the laptop.

The laptop upgrades its own database on start, after a timestamped backup copy.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from auditkit.db import make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def backup_sqlite(database: Path, backups_dir: Path) -> Path:
    """Copy a live SQLite database (WAL included) to a timestamped file; return its path."""
    backups_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"{database.stem}-{stamp}.sqlite3"
    source = sqlite3.connect(database)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def upgrade_field_database(database: Path, backups_dir: Path) -> Path | None:
    """Upgrade the laptop database to head; back it up first if it holds an older schema.

    Returns the backup's path, or None when no backup was needed (new or current).
    """
    url = f"sqlite:///{database}"
    backup = None
    if database.exists() and database.stat().st_size > 0:
        engine = make_engine(url)
        try:
            current = current_revision(engine)
        finally:
            engine.dispose()
        if current != head_revision():
            backup = backup_sqlite(database, backups_dir)
    upgrade(url)
    return backup
