"""The sync page on a laptop without a server: what it explains, what it counts, what it guards."""

from __future__ import annotations

import io
import re
import uuid
from collections import Counter

import pytest
from PIL import Image
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.field import create_app
from auditkit.field.sync_runner import EXTENSION
from auditkit.models import OutboxEntry, Photo, SyncRejection
from auditkit.photostore import PhotoStore
from sync.client.credentials import Credentials
from sync.client.run import sync_lock
from tests.helpers import csrf_from

ITEM = "iso9001-2015:7.2/1"
OTHER = "iso9001-2015:7.2/2"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def _refusal(laptop, code: str = "audit_locked", **fields) -> int:  # type: ignore[no-untyped-def]
    """A refused change as sync leaves it on the laptop."""
    values = {
        "seq": 7,
        "name": "answer.set.v1",
        "entity_id": ITEM,
        "message": "The audit is submitted; changes are no longer accepted.",
        "payload": {"item_key": ITEM, "notes": "written after the lock"},
        **fields,
    }
    with make_session_factory(laptop.engine).begin() as session:
        rejection = SyncRejection(
            mutation_id=uuid.uuid4(), audit_id=laptop.audit_id, code=code, **values
        )
        session.add(rejection)
        session.flush()
        return rejection.id


def _link(data_dir) -> None:  # type: ignore[no-untyped-def]
    """Credentials as `auditkit login` leaves them (a port nothing listens on)."""
    Credentials(
        server_url="http://127.0.0.1:9",
        device_id="00000000-0000-0000-0000-000000000001",
        user_id="00000000-0000-0000-0000-000000000002",
        username="auditor1",
        access_token="a",
        refresh_token="r",
    ).save(data_dir)


def _post(client, path: str, token: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": token})


def _htmx(client, path: str, token: str):  # type: ignore[no-untyped-def]
    return client.post(path, headers={"X-CSRF-Token": token, "HX-Request": "true"})


def test_unlinked_laptop_explains_how_to_link_and_cannot_start(field_client) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get("/sync/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not linked to a CB server yet" in html and "auditkit login URL" in html
    assert 'id="sync-run"' not in html
    token = csrf_from(html)
    reply = _htmx(field_client, "/sync/run", token)
    assert reply.status_code == 409 and "not linked" in reply.get_data(as_text=True)
    assert field_client.application.extensions[EXTENSION].state().number == 0


def test_panel_counts_unsent_changes_photos_and_refusals(laptop, field_app) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "seen"})
    laptop.htmx(f"/items/{OTHER}", {"verdict": "conforming"})
    upload = {"item_key": ITEM, "owner": "x", "photos": [(io.BytesIO(_jpeg()), "a.jpg")]}
    assert laptop.htmx("/photos", upload, content_type="multipart/form-data").status_code == 200
    _refusal(laptop)
    pending = len(laptop.outbox())
    html = laptop.client.get("/sync/panel").get_data(as_text=True)
    assert f'id="sync-pending">{pending}<' in html
    assert 'id="sync-photos">1<' in html and 'id="sync-refused">1<' in html
    assert 'id="sync-last">never<' in html
    topbar = laptop.client.get("/").get_data(as_text=True)
    assert f"{pending} not synced" in topbar and "1 refused" in topbar
    assert 'href="/sync/"' in topbar

    with make_session_factory(laptop.engine)() as session:
        sha = session.scalars(select(Photo.sha256)).one()
    PhotoStore(field_app.config["PHOTOS_DIR"]).path(sha).unlink()
    html = laptop.client.get("/sync/panel").get_data(as_text=True)
    assert 'id="sync-photos">0<' in html
    assert "1 photo cannot be sent: the bytes are not on this laptop" in html


def test_refusal_is_shown_and_dismissed_once(laptop) -> None:  # type: ignore[no-untyped-def]
    rejection_id = _refusal(laptop)
    html = laptop.client.get("/sync/").get_data(as_text=True)
    assert "Audit locked" in html and "changes are no longer accepted" in html
    assert "checklist item iso9001-2015:7.2/1" in html and "Keep mine</button>" not in html
    assert re.search(r"Dismiss</button>", html)

    path = f"/sync/rejections/{rejection_id}"
    assert _post(laptop.client, f"{path}/mine", laptop.token).status_code == 400
    reply = _post(laptop.client, f"{path}/dismiss", laptop.token)
    assert reply.status_code == 302
    page = laptop.client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Dismissed." in page and 'id="no-rejections"' in page
    again = _post(laptop.client, f"{path}/dismiss", laptop.token)
    assert again.status_code == 409 and "already settled" in again.get_data(as_text=True)
    assert _post(laptop.client, "/sync/rejections/9999/dismiss", laptop.token).status_code == 404
    assert _post(laptop.client, f"{path}/forget", laptop.token).status_code == 404
    assert laptop.outbox() == []  # settling a refusal never sends anything by itself


def test_conflict_needs_a_choice_and_mine_waits_for_the_servers_copy(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "mine"})
    with make_session_factory(laptop.engine).begin() as session:
        session.execute(OutboxEntry.__table__.delete())  # sent, and refused:
    rejection_id = _refusal(
        laptop,
        code="conflict",
        message="Someone else changed notes since your copy; both values are kept.",
        payload={"item_key": ITEM, "notes": "mine"},
        server_row={"item_key": ITEM, "verdict": "conforming", "notes": "theirs", "version": 1},
    )
    html = laptop.client.get("/sync/").get_data(as_text=True)
    assert "Yours (this laptop)" in html and ">mine<" in html and ">theirs<" in html
    assert "Keep mine</button>" in html and "Keep theirs</button>" in html
    assert "Dismiss</button>" not in html
    path = f"/sync/rejections/{rejection_id}"
    assert _post(laptop.client, f"{path}/dismiss", laptop.token).status_code == 400
    # Pull has not brought the server's copy yet: the row still holds mine at version 1.
    reply = _post(laptop.client, f"{path}/mine", laptop.token)
    assert reply.status_code == 409
    assert "does not have the server&#39;s copy yet: sync first" in reply.get_data(as_text=True)
    assert laptop.outbox() == []
    # A newer unsent edit of the same answer would conflict too: sync that first.
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "mine, again"})
    reply = _post(laptop.client, f"{path}/mine", laptop.token)
    assert reply.status_code == 409 and "newer unsent changes" in reply.get_data(as_text=True)


def test_keep_mine_on_a_signed_audit_asks_before_voiding_the_signature(laptop) -> None:  # type: ignore[no-untyped-def]
    # As pull leaves it: the server's notes and version are on the laptop's row.
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "theirs"})
    laptop.htmx("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    with make_session_factory(laptop.engine).begin() as session:
        session.execute(OutboxEntry.__table__.delete())  # sent and acknowledged
    rejection_id = _refusal(
        laptop,
        code="conflict",
        message="Someone else changed notes since your copy; both values are kept.",
        payload={"item_key": ITEM, "notes": "mine"},
        server_row={"item_key": ITEM, "verdict": "conforming", "notes": "theirs", "version": 1},
    )
    path = f"/sync/rejections/{rejection_id}/mine"
    asked = _post(laptop.client, path, laptop.token)
    assert asked.status_code == 409 and "voids the signature" in asked.get_data(as_text=True)
    assert "Keep mine and void the signature</button>" in asked.get_data(as_text=True)
    assert laptop.outbox() == []
    assert _post(laptop.client, path, laptop.token, confirm_void="1").status_code == 302
    void, answer, settled = laptop.outbox()
    assert void.name == "audit.signature_void.v1"
    assert settled.name == "conflict.resolve.v1" and settled.payload["kept"] == "mine"
    assert answer.name == "answer.set.v1" and answer.payload["notes"] == "mine"
    assert answer.base_version == 1  # the server's version: the server applies it
    with make_session_factory(laptop.engine)() as session:
        assert session.get(SyncRejection, rejection_id).resolved_at is not None


def test_posts_need_the_csrf_token(laptop) -> None:  # type: ignore[no-untyped-def]
    rejection_id = _refusal(laptop)
    assert laptop.client.post("/sync/run").status_code == 400
    assert laptop.client.post(f"/sync/rejections/{rejection_id}/dismiss").status_code == 400
    forged = laptop.client.post("/sync/run", headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 400
    with make_session_factory(laptop.engine)() as session:
        assert session.get(SyncRejection, rejection_id).resolved_at is None


def test_sync_while_another_process_holds_the_lock_shows_the_error_and_try_again(
    laptop, field_app
) -> None:  # type: ignore[no-untyped-def]
    data_dir = field_app.config["DATA_DIR"]
    _link(data_dir)
    runner = field_app.extensions[EXTENSION]
    with sync_lock(data_dir):  # e.g. `auditkit sync` running in a terminal
        started = _htmx(laptop.client, "/sync/run", laptop.token)
        assert started.status_code == 202 and "Sync started." in started.get_data(as_text=True)
        assert runner.wait(20)
        html = laptop.client.get("/sync/panel").get_data(as_text=True)
        assert 'id="sync-error"' in html and "Another sync of this laptop is running" in html
        assert "Try again" in html and "Linked to <code>http://127.0.0.1:9</code>" in html
        without_htmx = _post(laptop.client, "/sync/run", laptop.token)  # a plain form post
        assert without_htmx.status_code == 302 and without_htmx.headers["Location"] == "/sync/"
        assert runner.wait(20) and runner.state().number == 2


def test_background_sync_starts_from_a_poll_when_something_waits_and_then_pauses(
    laptop, field_app
) -> None:  # type: ignore[no-untyped-def]
    data_dir = field_app.config["DATA_DIR"]
    _link(data_dir)
    runner = field_app.extensions[EXTENSION]
    assert field_app.config["FIELD_BACKGROUND_SYNC"] is False
    laptop.client.get("/sync/panel")
    assert runner.state().number == 0  # off by default

    field_app.config["FIELD_BACKGROUND_SYNC"] = True
    laptop.client.get("/sync/status")
    assert runner.state().number == 0  # nothing waits to be sent
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming"})
    with sync_lock(data_dir):
        laptop.client.get("/sync/status")
        assert runner.wait(20)
    state = runner.state()
    assert state.number == 1 and state.background and state.error_code == "busy"
    laptop.client.get("/sync/panel")
    assert runner.state().number == 1  # the last attempt is under two minutes old
    assert "The background sync did not finish" in laptop.client.get("/sync/").get_data(
        as_text=True
    )


def test_background_sync_flag_comes_from_the_environment(
    monkeypatch, laptop_db_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUDITKIT_BACKGROUND_SYNC", "1")
    config = {"TESTING": True, "DATABASE_URL": laptop_db_url, "DATA_DIR": tmp_path / "laptop"}
    assert create_app(config).config["FIELD_BACKGROUND_SYNC"] is True
    assert (
        create_app({**config, "FIELD_BACKGROUND_SYNC": False}).config["FIELD_BACKGROUND_SYNC"]
        is False
    )


@pytest.mark.parametrize("path", ["/sync/", "/sync/panel", "/sync/status"])
def test_ids_are_unique(laptop, path: str) -> None:  # type: ignore[no-untyped-def]
    _refusal(laptop)
    _refusal(laptop, seq=8, entity_id=OTHER, payload={"item_key": OTHER})
    html = laptop.client.get(path).get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert ids and all(count == 1 for count in ids.values()), ids
