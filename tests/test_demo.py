from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select, text

from auditkit.cli import main
from auditkit.db import make_engine, make_session_factory
from auditkit.demo import AUDIT_ID, seed_server
from auditkit.models import Audit, AuditTeamMember, Organisation, Site, User


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
        "Organisation": 1,
        "Site": 2,
        "Audit": 1,
        "AuditTeamMember": 2,
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
        assert _counts(laptop)["Audit"] == 1
        assert _counts(server)["User"] == 6
        with make_session_factory(laptop)() as s:
            assert s.get(Audit, AUDIT_ID) is not None
        # The demo laptop was enrolled and pulled its audit, as every laptop does.
        from sync.client.credentials import Credentials

        credentials = Credentials.load(isolated_env / "laptop")
        assert credentials is not None and credentials.username == "auditor1"
        assert credentials.server_url == "http://127.0.0.1:5001"
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
