"""Every data file the apps make is 0600 and every folder they make 0700 (issue 11, item 9).

The data folders exist already as 0755 and the umask is the usual 022: that is how the
server database (password and token hashes) and the laptop database came out 0644.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from auditkit import demo
from auditkit.config import load_secret_key, prepare_dir
from auditkit.db import make_engine, make_session_factory
from auditkit.migrate import upgrade, upgrade_field_database
from auditkit.models import Photo
from auditkit.photostore import PhotoStore
from auditkit.web.database import EXTENSION
from sync import protocol
from sync.client.credentials import Credentials
from sync.client.run import SyncRun, sync_lock
from tests import factories
from tests.helpers import csrf_from
from tests.laptop_copy import copy_audit_to_laptop

ITEM = "iso9001-2015:7.1.3/1"


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _open_folder(path: Path) -> Path:
    path.mkdir()
    path.chmod(0o755)
    return path


def _modes(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Every file and folder under `root` (not `root` itself) whose mode is not private."""
    loose_files, loose_dirs = {}, {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder, name)
            if stat.S_IMODE(path.stat().st_mode) != 0o700:
                loose_dirs[str(path.relative_to(root))] = oct(stat.S_IMODE(path.stat().st_mode))
        for name in files:
            path = Path(folder, name)
            if stat.S_IMODE(path.stat().st_mode) != 0o600:
                loose_files[str(path.relative_to(root))] = oct(stat.S_IMODE(path.stat().st_mode))
    return loose_files, loose_dirs


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _names(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _upload(client, token: str, data: bytes, *, first_chunk_only: bool = False):  # type: ignore[no-untyped-def]
    sha = hashlib.sha256(data).hexdigest()
    chunk = data[: protocol.CHUNK_SIZE] if first_chunk_only else data
    digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    return client.patch(
        f"{protocol.API_PREFIX}/blobs/{sha}",
        data=chunk,
        headers={
            **factories.api_headers(token),
            "Upload-Offset": "0",
            "Upload-Length": str(len(data)),
            "Upload-Checksum": f"sha256 {digest}",
            "Content-Type": "application/offset+octet-stream",
        },
    )


def test_server_files_are_private_in_an_open_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    from auditkit.cb import create_app
    from auditkit.cli.apps import prepare_server

    data_dir = _open_folder(tmp_path / "cb-data")
    monkeypatch.setenv("AUDITKIT_SERVER_DATA_DIR", str(data_dir))
    prepare_server()  # what `auditkit server` does first: folders and the database
    app = create_app({"TESTING": True})
    with app.extensions[EXTENSION].begin() as session:
        _device, token = factories.device_and_token(session)
    client = app.test_client()
    assert _upload(client, token, factories.jpeg()).status_code == 201
    big = os.urandom(protocol.CHUNK_SIZE + 1000)
    assert _upload(client, token, big, first_chunk_only=True).status_code == 204

    engine = app.extensions[EXTENSION].kw["bind"]
    with engine.connect():  # an open connection keeps the -wal and -shm files
        names = _names(data_dir)
        assert {"server.sqlite3", "server.sqlite3-wal", "server.sqlite3-shm"} <= names
        assert "secret_key" in names
        assert any(n.startswith("blobs/partial/") for n in names)
        assert any(n.startswith("blobs/") and n.endswith(".jpg") for n in names)
        assert _modes(data_dir) == ({}, {})
    engine.dispose()


@pytest.fixture
def open_laptop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None, server_engine: Engine
) -> Iterator[tuple[Path, object]]:
    """A laptop whose data folder existed as 0755, prepared as `auditkit field` does, holding
    the demo audit; yields its folder and field app."""
    from auditkit.cli.apps import prepare_field
    from auditkit.field import create_app

    data_dir = _open_folder(tmp_path / "laptop-data")
    monkeypatch.setenv("AUDITKIT_DATA_DIR", str(data_dir))
    prepare_field()
    with make_session_factory(server_engine).begin() as session:
        audit_id = demo.seed_server(session).id
    laptop = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    copy_audit_to_laptop(server_engine, laptop, audit_id, "auditor1")
    laptop.dispose()
    app = create_app({"TESTING": True})
    yield data_dir, app
    app.extensions[EXTENSION].kw["bind"].dispose()


def test_laptop_files_are_private_in_an_open_data_folder(open_laptop) -> None:  # type: ignore[no-untyped-def]
    data_dir, app = open_laptop
    client = app.test_client()
    token = csrf_from(client.get("/").get_data(as_text=True))
    reply = client.post(
        f"/audits/{demo.AUDIT_ID}/photos",
        data={"item_key": ITEM, "owner": "x", "photos": [(io.BytesIO(factories.jpeg()), "a.jpg")]},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    Credentials("http://cb.example", "d", "u", "anna", "a", "r").save(data_dir)
    with sync_lock(data_dir):
        pass

    engine = app.extensions[EXTENSION].kw["bind"]
    with engine.connect() as conn:
        sha = conn.scalar(select(Photo.sha256))
        names = _names(data_dir)
        assert {"field.sqlite3", "field.sqlite3-wal", "field.sqlite3-shm"} <= names
        assert {"secret_key", "sync-credentials.json", "sync.lock"} <= names
        assert {f"photos/{sha[:2]}/{sha}.jpg", f"photos/{sha[:2]}/{sha}.thumb.jpg"} <= names
        assert _modes(data_dir) == ({}, {})


class _Answer:
    """The part of a requests.Response that SyncRun._receive reads: a cut-off download."""

    headers = {"Content-Length": "10"}

    def iter_content(self, _size: int) -> Iterator[bytes]:
        yield b"12345"

    def close(self) -> None:
        pass


def test_a_teammates_photo_half_downloaded_is_private(open_laptop) -> None:  # type: ignore[no-untyped-def]
    data_dir, _app = open_laptop
    run = SyncRun.__new__(SyncRun)  # only its summary is used to receive an answer
    run.summary = type("Summary", (), {"bytes_downloaded": 0})()
    partial = data_dir / "photos" / f".{'0' * 64}.download"
    assert run._receive(_Answer(), partial, 0) is False  # cut off: the partial is kept
    assert run._receive(_Answer(), partial, 5) is False  # resumed (appended)
    assert partial.read_bytes() == b"1234512345"
    assert _mode(partial) == 0o600
    assert _modes(data_dir) == ({}, {})


def test_laptop_upgrade_backup_is_private(tmp_path: Path, umask_022: None) -> None:
    data_dir = _open_folder(tmp_path / "laptop-data")
    database = data_dir / "field.sqlite3"
    upgrade(f"sqlite:///{database}", revision="0001")  # a laptop from an earlier version
    database.chmod(0o644)  # as that version left it
    backup = upgrade_field_database(database, data_dir / "backups")
    assert backup is not None and _mode(backup) == 0o600
    assert _modes(data_dir) == ({}, {})


def test_a_strict_umask_leaves_files_private_and_writable(tmp_path: Path) -> None:
    data_dir = _open_folder(tmp_path / "data")
    previous = os.umask(0o277)  # takes the owner's write bit too
    try:
        load_secret_key(data_dir)
        sha = hashlib.sha256(b"bytes").hexdigest()
        PhotoStore(data_dir / "photos").put(b"bytes", sha)
        engine = make_engine(f"sqlite:///{data_dir / 'new' / 'deeper' / 'db.sqlite3'}")
        prepare_dir(data_dir / "new" / "deeper")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
        engine.dispose()
    finally:
        os.umask(previous)
    assert _modes(data_dir) == ({}, {})
