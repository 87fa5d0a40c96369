from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from auditkit.db import make_engine
from auditkit.migrate import (
    FIELD_TARGET,
    current_revisions,
    head_revisions,
    upgrade,
    upgrade_field_database,
)
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
    assert current_revisions(engine) == head_revisions()
    engine.dispose()


def test_laptops_get_the_shared_branch_and_the_server_both(
    tmp_path: Path, migrated_server_db
) -> None:  # type: ignore[no-untyped-def]
    """CB-only migrations (the `server` branch) never reach a laptop."""
    database = tmp_path / "field.sqlite3"
    upgrade_field_database(database, tmp_path / "backups")
    laptop = make_engine(f"sqlite:///{database}")
    server = make_engine(migrated_server_db)
    try:
        assert current_revisions(laptop) == head_revisions(FIELD_TARGET) == {"0016"}
        # The server is at the server branch's head, which depends on the shared one.
        assert current_revisions(server) == head_revisions() == {"s0008"}
    finally:
        laptop.dispose()
        server.dispose()


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


def test_stored_recommendations_and_queued_changes_move_to_their_audit_types_values(
    tmp_path: Path,
) -> None:
    database = tmp_path / "field.sqlite3"
    upgrade(f"sqlite:///{database}", revision="0007")
    org = uuid.uuid4().hex
    audits = {kind: uuid.uuid4().hex for kind in ("surveillance", "stage2", "stage1", "vca")}
    stamp = "2026-01-01 00:00:00"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO organisations (id, name, legal_name, address, city, country,"
            " sector_codes, created_at, updated_at) VALUES (?, 'A', 'A', '', '', '', '', ?, ?)",
            (org, stamp, stamp),
        )
        for kind, audit_id in audits.items():
            conn.execute(
                "INSERT INTO audits (id, organisation_id, audit_type, status, status_version,"
                " round, start_date, end_date, objectives, scope, criteria, remote_use, language,"
                " created_at, updated_at, content_version) VALUES"
                " (?, ?, ?, 'in_progress', 1, 1, '2026-01-05', '2026-01-06', '', '', '', '',"
                " 'en', ?, ?, 0)",
                (audit_id, org, "stage2" if kind == "vca" else kind, stamp, stamp),
            )
            conn.execute(
                "INSERT INTO audit_closures (id, audit_id, recommendation, conclusion,"
                " auditee_name, version, created_at, updated_at) VALUES"
                " (?, ?, 'certify', '', '', 1, ?, ?)",
                (uuid.uuid4().hex, audit_id, stamp, stamp),
            )
        conn.execute(
            "INSERT INTO audit_checklists (audit_id, position, checklist_id, standard, edition,"
            " checklist_version, content_sha256, content) VALUES (?, 0, 'vca-2017', 'VCA',"
            " '2017/6.0', '1.0.0', ?, '')",
            (audits["vca"], "0" * 64),
        )
        conn.execute(
            "INSERT INTO findings (id, audit_id, local_number, grade, requirement,"
            " objective_evidence, statement, extent, process, version, created_at, updated_at)"
            " VALUES (?, ?, 1, 'minor', '', '', '', '', '', 1, ?, ?)",
            (uuid.uuid4().hex, audits["vca"], stamp, stamp),
        )
        conn.execute(
            "INSERT INTO outbox (mutation_id, name, audit_id, entity_id, payload, created_at)"
            " VALUES (?, 'closure.set.v1', ?, 'x',"
            ' \'{"recommendation": "certify_after_closure", "conclusion": "kept"}\', ?)',
            (uuid.uuid4().hex, audits["surveillance"], stamp),
        )
    conn.close()

    upgrade_field_database(database, tmp_path / "backups")

    with sqlite3.connect(database) as conn:
        stored = dict(
            conn.execute("SELECT audit_id, recommendation FROM audit_closures").fetchall()
        )
        [payload] = conn.execute("SELECT payload FROM outbox").fetchone()
        [grade] = conn.execute("SELECT grade FROM findings").fetchone()
    conn.close()
    assert stored[audits["surveillance"]] == "maintain"
    assert stored[audits["stage2"]] == "certify"
    assert stored[audits["stage1"]] == "ready_for_stage2"
    assert '"maintain_after_closure"' in payload and '"kept"' in payload
    assert grade == "deviation"


def test_comments_written_before_queries_become_the_reasons_of_a_return(tmp_path: Path) -> None:
    database = tmp_path / "field.sqlite3"
    upgrade(f"sqlite:///{database}", revision="0013")
    org, audit = uuid.uuid4().hex, uuid.uuid4().hex
    stamp = "2026-01-01 00:00:00"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO organisations (id, name, legal_name, address, city, country,"
            " sector_codes, created_at, updated_at) VALUES (?, 'A', 'A', '', '', '', '', ?, ?)",
            (org, stamp, stamp),
        )
        conn.execute(
            "INSERT INTO audits (id, organisation_id, audit_type, status, status_version,"
            " round, start_date, end_date, objectives, scope, criteria, remote_use, language,"
            " created_at, updated_at, content_version, plan_working, schedule, carried_over)"
            " VALUES (?, ?, 'stage2', 'returned', 1, 2, '2026-01-05', '2026-01-06', '', '', '',"
            " '', 'en', ?, ?, 0, '{}', '[]', '[]')",
            (audit, org, stamp, stamp),
        )
        conn.execute(
            "INSERT INTO review_comments (id, audit_id, author_name, body, version,"
            " field_versions, created_at, updated_at) VALUES (?, ?, 'Rosa', 'Site 2 missing', 1,"
            " '{}', ?, ?)",
            (uuid.uuid4().hex, audit, stamp, stamp),
        )
    conn.close()

    upgrade_field_database(database, tmp_path / "backups")

    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT kind, resolved_by_name, body FROM review_comments").fetchall()
    conn.close()
    assert rows == [("return", "", "Site 2 missing")]
