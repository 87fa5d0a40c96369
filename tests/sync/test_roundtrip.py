from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from auditkit.config import server_settings
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import (
    AppliedMutation,
    Blob,
    Finding,
    Meeting,
    Photo,
    Response,
)
from auditkit.photostore import PhotoStore
from tests.sync.scenarios import two_auditors_with_a_base_answer

ITEM = "iso9001-2015:7.2/1"


def _server_count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_new_laptop_pulls_its_audit(laptops) -> None:  # type: ignore[no-untyped-def]
    bram = laptops("bram").login("auditor2")
    summary = bram.sync()
    assert summary.ok and summary.error == ""
    html = bram.client.get("/").get_data(as_text=True)
    assert "Brightwater Components" in html and "Bram Jansen" in html


def test_audit_with_findings_and_photos_reaches_server_and_second_laptop(
    laptops, server_engine
) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.answer(ITEM, notes="Training matrix seen")
    anna.photo(ITEM, seed=1, size=(1800, 1300))  # big enough to have a print copy
    anna.post("/meetings/opening", {"held_at": "2026-12-11T09:00", "attendees": "Eva, QM"})
    created = anna.form(
        "/findings/new",
        {
            "grade": "major",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.2",
            "objective_evidence": "2 of 5 welders lack certificates",
            "statement": "Not ensured",
            "item_keys": "iso9001-2015:7.2/2",
        },
    )
    assert created.status_code == 302
    summary = anna.sync()
    assert summary.ok, summary.error
    assert summary.rejected == 0 and summary.blobs_uploaded == 1 and anna.pending() == 0
    assert _server_count(server_engine, Blob) == 1
    assert _server_count(server_engine, Finding) == 1
    with anna.session() as session:
        assert session.scalars(select(Finding.number)).one() == "F1"  # the server's number

    bram = laptops("bram").login("auditor2")
    summary = bram.sync()
    assert summary.ok and summary.photos_downloaded == 1
    with bram.session() as session:
        response = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        assert response.notes == "Training matrix seen"
        photo = session.scalars(select(Photo)).one()
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.attendees == [{"name": "Eva", "role": "QM"}]
    data = PhotoStore(bram.data_dir / "photos").path(photo.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    # The print copy for report PDFs is made where the photo was taken, not where sync
    # carries it (that would slow every upload): elsewhere the first report makes it.
    server_store = PhotoStore(server_settings().blobs_dir)
    assert PhotoStore(anna.data_dir / "photos").print_path(photo.sha256).is_file()
    for store in (server_store, PhotoStore(bram.data_dir / "photos")):
        assert store.exists(photo.sha256) and not store.print_path(photo.sha256).exists()
    page = bram.client.get(f"/audits/{AUDIT_ID}/findings/").get_data(as_text=True)
    assert ">F1<" in page


def test_second_sync_with_nothing_new_is_one_small_request(laptops) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer(ITEM, notes="x")
    anna.sync()
    summary = anna.sync()
    assert summary.ok and summary.requests == 1 and summary.pushed == 0


def test_replaying_a_push_changes_nothing(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    from sync.client import outbox
    from sync.client.credentials import Credentials
    from sync.client.http import Api

    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer(ITEM, notes="once")
    anna.answer("iso9001-2015:7.2/2", notes="twice")
    with anna.session() as session:
        body = {
            "device_id": Credentials.load(anna.data_dir).device_id,
            "mutations": [outbox.wire(e) for e in outbox.pending(session)],
        }
    api = Api(Credentials.load(anna.data_dir), anna.data_dir)
    first = api.json("POST", "/push", body)
    again = api.json("POST", "/push", body)
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert _server_count(server_engine, AppliedMutation) == 2
    assert _server_count(server_engine, Response) == 2
    summary = anna.sync()  # the laptop's own retry of the same entries
    assert summary.ok and summary.duplicates == 2 and anna.pending() == 0


def test_disjoint_edits_merge_and_same_field_edits_conflict(laptops) -> None:  # type: ignore[no-untyped-def]
    anna, bram = two_auditors_with_a_base_answer(laptops, ITEM)
    anna.answer(ITEM, notes="Anna's notes")
    bram.answer(ITEM, verdict="nonconformity", notes="base")  # only the verdict changes
    assert anna.sync().rejected == 0
    assert bram.sync().rejected == 0  # disjoint fields: merged
    anna.sync()
    with anna.session() as session:
        merged = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        assert (merged.verdict.value, merged.notes) == ("nonconformity", "Anna's notes")

    anna.answer(ITEM, verdict="nonconformity", notes="Anna again")
    bram.answer(ITEM, verdict="nonconformity", notes="Bram's view")
    assert anna.sync().rejected == 0
    summary = bram.sync()
    assert summary.rejected == 1 and summary.rejections[0]["code"] == "conflict"
    from auditkit.models import SyncRejection

    with bram.session() as session:
        rejection = session.scalars(select(SyncRejection)).one()
        assert rejection.payload["notes"] == "Bram's view"
        assert rejection.server_row["notes"] == "Anna again"  # both values kept
