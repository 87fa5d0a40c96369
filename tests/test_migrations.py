from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from auditkit.db import make_engine
from auditkit.migrate import current_revision, head_revision, upgrade, upgrade_field_database
from auditkit.models import Base


def test_models_and_migrations_agree(migrated_server_db: str) -> None:
    engine = make_engine(migrated_server_db)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(migrated_server_db: str) -> None:
    upgrade(migrated_server_db)
    engine = make_engine(migrated_server_db)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_field_upgrade_backs_up_and_keeps_earlier_data(tmp_path: Path) -> None:
    database = tmp_path / "field.sqlite3"
    upgrade(f"sqlite:///{database}", revision="0001")
    org_id = uuid.uuid4().hex
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO organisations (id, name, legal_name, address, city, country,"
            " sector_codes, created_at, updated_at)"
            " VALUES (?, 'Acme', 'Acme B.V.', '', 'Delft', 'NL', '', '2026-01-01', '2026-01-01')",
            (org_id,),
        )
    conn.close()

    backup = upgrade_field_database(database, tmp_path / "backups")

    assert backup is not None and backup.parent == tmp_path / "backups"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("Acme",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {"findings", "photos", "certificates"} <= tables
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("Acme",)]
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()
    assert revision == ("0001",)


def test_field_upgrade_skips_backup_when_current(tmp_path: Path) -> None:
    database = tmp_path / "field.sqlite3"
    assert upgrade_field_database(database, tmp_path / "backups") is None  # new file
    assert upgrade_field_database(database, tmp_path / "backups") is None  # already current
    assert not (tmp_path / "backups").exists()
