from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select, text

from auditkit.cli import main
from auditkit.db import make_engine, make_session_factory
from auditkit.demo import AUDIT_ID, INTEGRATED_AUDIT_ID, VCA_AUDIT_ID, seed_server
from auditkit.models import Audit, AuditTeamMember, Organisation, Site, SyncState, User


def _counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as s:
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (User, Organisation, Site, Audit, AuditTeamMember)
        }


def test_seeding_twice_changes_nothing(server_engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        with make_session_factory(server_engine).begin() as session:
            seed_server(session)
    assert _counts(server_engine) == {
        "User": 6,
        "Organisation": 3,
        "Site": 6,
        "Audit": 3,
        "AuditTeamMember": 5,
    }


def test_test_copy_of_the_audit_has_no_passwords(seeded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    with laptop_engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
        pinned = conn.execute(text("SELECT checklist_id FROM audit_checklists")).scalars().all()
    assert hashes and all(h == "" for h in hashes)
    assert pinned == ["iso9001-2015"]
    assert _counts(laptop_engine)["Audit"] == 1


def test_demo_seed_only_honours_data_folder_variables(isolated_env, server_db_url) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["demo", "--seed-only"])
        assert result.exit_code == 0, result.output
    laptop = make_engine(f"sqlite:///{isolated_env / 'laptop' / 'field.sqlite3'}")
    server = make_engine(server_db_url)
    try:
        assert _counts(laptop)["Audit"] == 3
        assert _counts(server)["User"] == 6
        with make_session_factory(laptop)() as s:
            kinds = {
                a.id: (a.audit_type.value, [c.checklist_id for c in a.checklists])
                for a in s.scalars(select(Audit))
            }
            vca = s.get(Audit, VCA_AUDIT_ID)
            assert vca is not None and vca.vca_level == "star2"
            state = s.get(SyncState, 1)
            # Seeding pulled through a temporary server: no sync with the demo server happened.
            assert state is not None and state.last_sync_at is None
        assert kinds == {
            AUDIT_ID: ("stage2", ["iso9001-2015"]),
            INTEGRATED_AUDIT_ID: (
                "surveillance",
                ["iso9001-2015", "iso14001-2015", "iso45001-2018"],
            ),
            VCA_AUDIT_ID: ("stage2", ["vca-2017"]),
        }
        # The demo laptop was enrolled and pulled its audit, as every laptop does.
        from sync.client.credentials import Credentials

        credentials = Credentials.load(isolated_env / "laptop")
        assert credentials is not None and credentials.username == "auditor1"
        assert credentials.server_url == "http://127.0.0.1:5001"
        assert "linked to http://127.0.0.1:5001" in result.output
        other = runner.invoke(main, ["demo", "--seed-only", "--server-port", "5055"])
        assert other.exit_code == 0, other.output
        assert Credentials.load(isolated_env / "laptop").server_url == "http://127.0.0.1:5055"
    finally:
        laptop.dispose()
        server.dispose()


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("auditkit, version ")


def test_db_upgrade_commands(isolated_env, server_db_url) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.output
    result = runner.invoke(main, ["db", "upgrade", "--field"])
    assert result.exit_code == 0
    assert (isolated_env / "laptop" / "field.sqlite3").exists()
