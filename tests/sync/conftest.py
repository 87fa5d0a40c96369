"""Sync tests run a real CB server on loopback and real laptops (field app + sync client).

The server uses the test server database (SQLite, or PostgreSQL when configured); each
laptop has its own data folder with its own SQLite file and photo store.
"""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.serving import make_server

from auditkit.config import FieldSettings
from auditkit.db import make_engine, make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.migrate import FIELD_TARGET, upgrade
from auditkit.models import OutboxEntry
from sync.client.enrol import login
from sync.client.run import Summary, sync_now


class LiveServer:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def cb_server(cb_app, seeded) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    server = LiveServer(cb_app).start()
    yield server
    server.stop()


def jpeg(seed: int = 0, size: tuple[int, int] = (800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


class TestLaptop:
    """An auditor's laptop: its own data folder, the field app on it, and sync."""

    __test__ = False

    def __init__(self, root: Path, name: str, server_url: str) -> None:
        self.data_dir = root / name
        self.settings = FieldSettings(self.data_dir)
        self.data_dir.mkdir(parents=True)
        upgrade(self.settings.database_url, FIELD_TARGET)
        self.engine = make_engine(self.settings.database_url)
        self.server_url = server_url
        self._client = None

    def login(self, username: str, password: str = DEMO_PASSWORD) -> TestLaptop:
        login(self.data_dir, self.server_url, username, password)
        return self

    def sync(self, **kwargs) -> Summary:  # type: ignore[no-untyped-def]
        return sync_now(self.data_dir, **kwargs)

    @property
    def client(self):  # type: ignore[no-untyped-def]
        if self._client is None:
            from auditkit.field import create_app

            app = create_app(
                {
                    "TESTING": True,
                    "DATA_DIR": self.data_dir,
                    "DATABASE_URL": self.settings.database_url,
                    "PHOTOS_DIR": self.settings.photos_dir,
                }
            )
            self._client = app.test_client()
            page = self._client.get("/").get_data(as_text=True)
            self.token = re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)
        return self._client

    def post(self, path: str, data=None, **kwargs):  # type: ignore[no-untyped-def]
        client = self.client
        headers = {"X-CSRF-Token": self.token, "HX-Request": "true"}
        return client.post(f"/audits/{AUDIT_ID}{path}", data=data or {}, headers=headers, **kwargs)

    def form(self, path: str, data=None):  # type: ignore[no-untyped-def]
        client = self.client
        return client.post(
            f"/audits/{AUDIT_ID}{path}", data={**(data or {}), "csrf_token": self.token}
        )

    def answer(self, item_key: str, **fields: str):  # type: ignore[no-untyped-def]
        reply = self.post(f"/items/{item_key}", {"verdict": "conforming", **fields})
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return reply

    def photo(self, item_key: str, seed: int = 0, size: tuple[int, int] = (800, 600)):  # type: ignore[no-untyped-def]
        upload = (io.BytesIO(jpeg(seed, size)), "p.jpg")
        reply = self.post(
            "/photos",
            {"item_key": item_key, "owner": "x", "photos": [upload]},
            content_type="multipart/form-data",
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return reply

    def session(self):  # type: ignore[no-untyped-def]
        return make_session_factory(self.engine)()

    def pending(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count(OutboxEntry.seq))) or 0

    def close(self) -> None:
        """Close every connection to the laptop database (also the field app's)."""
        self.engine.dispose()
        if self._client is not None:
            from auditkit.web.database import EXTENSION

            self._client.application.extensions[EXTENSION].kw["bind"].dispose()

    def restore(self, backup: Path) -> None:
        """Put a backup copy of the database back, as after restoring a laptop."""
        self.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.settings.database_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(backup, self.settings.database_path)


@pytest.fixture
def laptops(tmp_path: Path, cb_server: LiveServer) -> Iterator:  # type: ignore[type-arg]
    """A factory: laptops("anna") makes a new, not yet linked, laptop."""
    made: list[TestLaptop] = []

    def make(name: str) -> TestLaptop:
        laptop = TestLaptop(tmp_path / "laptops", name, cb_server.url)
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.close()
