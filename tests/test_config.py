from __future__ import annotations

import stat
from pathlib import Path

from auditkit.config import field_settings, load_secret_key, server_settings


def test_data_folders_come_from_environment(tmp_path: Path) -> None:
    env = {
        "AUDITKIT_DATA_DIR": str(tmp_path / "l"),
        "AUDITKIT_SERVER_DATA_DIR": str(tmp_path / "s"),
    }
    assert field_settings(env).database_path == tmp_path / "l" / "field.sqlite3"
    server = server_settings(env)
    assert server.database_url == f"sqlite:///{tmp_path / 's' / 'server.sqlite3'}"


def test_server_database_url_can_point_at_postgresql(tmp_path: Path) -> None:
    url = "postgresql+psycopg://cb:secret@db.internal/auditkit"
    env = {"AUDITKIT_SERVER_DATA_DIR": str(tmp_path), "AUDITKIT_SERVER_DATABASE_URL": url}
    assert server_settings(env).database_url == url


def test_defaults_use_the_platform_user_data_folder() -> None:
    settings = field_settings({})
    assert settings.data_dir.name == "auditkit"
    assert server_settings({}).data_dir == settings.data_dir / "server"


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_secret_key(tmp_path / "data")
    second = load_secret_key(tmp_path / "data")
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert load_secret_key(tmp_path / "other") != first
