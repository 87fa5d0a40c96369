"""Database upgrades through Alembic, for the server and for the laptop.

Two branches: `shared` (the trunk: what both apps hold) and `server` (the CB's own tables,
which laptops never get). The server upgrades to every head; the laptop to the shared head,
on start, after a timestamped backup copy.
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
from auditkit.files import prepare_sqlite_file, private_dir

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


SERVER_TARGET = "heads"
FIELD_TARGET = "shared@head"


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revisions(target: str = SERVER_TARGET) -> frozenset[str]:
    """The revisions a database is at once upgraded to `target`."""
    script = _script()
    if target != SERVER_TARGET:
        return frozenset(r.revision for r in script.get_revisions(target) if r is not None)
    heads = set(script.get_heads())
    # Alembic records a head that another head depends on (the shared trunk under the server
    # branch) through that other head only: drop every head that is an ancestor of another.
    needed: set[str] = set()
    for head in heads:
        needed |= {r.revision for r in script.iterate_revisions(head, "base")} - {head}
    return frozenset(heads - needed)


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def upgrade(url: str, revision: str = SERVER_TARGET) -> None:
    """Bring the database at `url` to `revision` (default: the newest)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # A batch migration on SQLite copies a table and drops the old one; with
                # foreign keys enforced that drop fails while other tables refer to it. The
                # pragma only takes effect outside a transaction, so it is set first, and the
                # keys are checked once the migrations ran.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            with conn.begin():
                config = alembic_config(url)
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the upgrade broke foreign keys: {broken[:5]}")
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


def backup_sqlite(database: Path, backups_dir: Path) -> Path:
    """Copy a live SQLite database (WAL included) to a timestamped file; return its path."""
    private_dir(backups_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"{database.stem}-{stamp}.sqlite3"
    prepare_sqlite_file(target)  # a copy of the database: as private as the database
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
            current = current_revisions(engine)
        finally:
            engine.dispose()
        if current != head_revisions(FIELD_TARGET):
            backup = backup_sqlite(database, backups_dir)
    upgrade(url, FIELD_TARGET)
    return backup
