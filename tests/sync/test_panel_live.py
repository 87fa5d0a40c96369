"""The sync page against a live CB server: conflicts settled by the auditor, sync run from it."""

from __future__ import annotations

import threading
import time
import uuid

from flask import request
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.field.sync_runner import EXTENSION
from auditkit.models import AppliedMutation, OutboxEntry, Response, SyncRejection
from sync.client.credentials import Credentials
from sync.server.auth import revoke_device
from tests.sync.scenarios import same_field_conflict

ITEM = "iso9001-2015:7.2/1"


def _conflict(laptops):  # type: ignore[no-untyped-def]
    """Anna's and Bram's notes on one item from the same base: Bram's sync is refused."""
    anna, bram = same_field_conflict(laptops, ITEM)
    with bram.session() as session:
        rejection_id = session.scalars(select(SyncRejection.id)).one()
    return anna, bram, rejection_id


def _notes(laptop) -> str:  # type: ignore[no-untyped-def]
    with laptop.session() as session:
        return session.scalars(select(Response.notes).where(Response.item_key == ITEM)).one()


def _server_notes(engine) -> str:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.scalars(select(Response.notes).where(Response.item_key == ITEM)).one()


def _settled_on_server(engine, laptop, rejection_id: int):  # type: ignore[no-untyped-def]
    """The server's record of the refused change: when it was settled (None: open)."""
    with laptop.session() as session:
        mutation_id = session.get(SyncRejection, rejection_id).mutation_id
    with make_session_factory(engine)() as session:
        record = session.scalars(
            select(AppliedMutation).where(AppliedMutation.mutation_id == mutation_id)
        ).one()
        assert record.entity_id == ITEM and record.code == "conflict"
        return record.settled_at


def _settle(laptop, rejection_id: int, action: str):  # type: ignore[no-untyped-def]
    client = laptop.client  # made on first use, with its CSRF token
    return client.post(
        f"/sync/rejections/{rejection_id}/{action}", data={"csrf_token": laptop.token}
    )


def test_keep_mine_sends_a_new_change_that_reaches_the_other_laptop(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna, bram, rejection_id = _conflict(laptops)
    assert _notes(bram) == "Anna's notes"  # pull brought the server's value and version
    page = bram.client.get("/sync/").get_data(as_text=True)
    assert "Conflict" in page and "Someone else changed notes" in page
    assert "Bram&#39;s notes" in page and "Anna&#39;s notes" in page  # both values
    assert "Keep mine</button>" in page and "Keep theirs</button>" in page

    reply = _settle(bram, rejection_id, "mine")
    assert reply.status_code == 302
    assert "queued as a new change" in bram.client.get("/sync/").get_data(as_text=True)
    with bram.session() as session:
        entry, settled = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))
        row = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        rejection = session.get(SyncRejection, rejection_id)
        assert entry.name == "answer.set.v1" and entry.payload["notes"] == "Bram's notes"
        assert entry.base_version == row.version - 1  # based on the server's version
        assert rejection.resolved_at is not None
        assert settled.name == "conflict.resolve.v1"
        assert settled.payload == {"mutation_id": str(rejection.mutation_id), "kept": "mine"}
    assert _settled_on_server(server_engine, bram, rejection_id) is None
    summary = bram.sync()
    assert summary.ok and summary.applied == 2 and summary.rejected == 0
    assert _server_notes(server_engine) == "Bram's notes"
    assert _settled_on_server(server_engine, bram, rejection_id) is not None
    anna.sync()
    assert _notes(anna) == "Bram's notes"
    again = _settle(bram, rejection_id, "mine")
    assert again.status_code == 409 and "already settled" in again.get_data(as_text=True)


def test_keep_theirs_settles_it_and_the_server_value_stays(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    _anna, bram, rejection_id = _conflict(laptops)
    assert _settle(bram, rejection_id, "theirs").status_code == 302
    assert bram.pending() == 1  # only the settlement: no change to the answer
    summary = bram.sync()
    assert summary.ok and summary.pushed == 1 and summary.applied == 1
    assert _settled_on_server(server_engine, bram, rejection_id) is not None
    assert _notes(bram) == "Anna's notes" and _server_notes(server_engine) == "Anna's notes"
    page = bram.client.get("/sync/").get_data(as_text=True)
    assert 'id="no-rejections"' in page and 'id="sync-refused">0<' in page


def _poll_until_finished(laptop, seconds: float = 30) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = laptop.client.get("/sync/panel?was_running=1")
        if 'id="sync-run" class="primary"' in reply.get_data(as_text=True):
            assert reply.headers.get("HX-Trigger") == "sync-finished"
            return reply.get_data(as_text=True)
        time.sleep(0.1)
    raise AssertionError("the sync did not finish in time")


def test_sync_now_runs_in_the_background_one_at_a_time(laptops, cb_app) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    gate.set()

    @cb_app.before_request
    def _slow_pull() -> None:  # a slow network: pull waits until the test lets it go
        if request.path.endswith("/pull"):
            gate.wait(30)

    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer(ITEM, notes="sent from the panel")
    htmx = {"X-CSRF-Token": anna.token, "HX-Request": "true"}
    gate.clear()
    try:
        started = anna.client.post("/sync/run", headers=htmx)
        assert started.status_code == 202 and "Sync started." in started.get_data(as_text=True)
        busy = anna.client.post("/sync/run", headers=htmx)
        assert busy.status_code == 409
        assert "A sync is already running" in busy.get_data(as_text=True)
        panel = anna.client.get("/sync/panel").get_data(as_text=True)
        assert "Syncing…" in panel and 'hx-trigger="every 2s"' in panel
        assert "Syncing…" in anna.client.get("/sync/status").get_data(as_text=True)
    finally:
        gate.set()
    html = _poll_until_finished(anna)
    assert "Finished at" in html and "sent 1 change" in html
    assert 'id="sync-pending">0<' in html and 'hx-trigger="every 30s"' in html
    assert "everything sent and received" in html
    assert anna.pending() == 0
    assert anna.client.application.extensions[EXTENSION].state().number == 1


def test_a_failed_sync_shows_its_error_and_try_again(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer(ITEM, notes="before revocation")
    device_id = uuid.UUID(Credentials.load(anna.data_dir).device_id)
    with make_session_factory(server_engine).begin() as session:
        revoke_device(session, device_id)
    htmx = {"X-CSRF-Token": anna.token, "HX-Request": "true"}
    assert anna.client.post("/sync/run", headers=htmx).status_code == 202
    html = _poll_until_finished(anna)
    assert 'id="sync-error"' in html and "revoked" in html
    assert ">Try again</button>" in html and 'id="sync-pending">1<' in html
    assert anna.pending() == 1  # the change stays on the laptop
