"""An annotated copy syncs like any photo and keeps its link to the photo it was drawn on."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select, update

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import OutboxEntry, Photo
from auditkit.photostore import PhotoStore
from tests.sync.conftest import jpeg

ITEM = "iso9001-2015:7.2/1"


def _annotate(laptop, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    reply = laptop.client.post(
        f"/audits/{AUDIT_ID}/photos/{photo_id}/annotated",
        data={"image": (io.BytesIO(jpeg(seed=7)), "annotated.jpg")},
        headers={"X-CSRF-Token": laptop.token, "Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 201, reply.get_data(as_text=True)
    return uuid.UUID(reply.json["photo_id"]), reply.json["location"].split("#")[0]


def _photos(session) -> dict[uuid.UUID, Photo]:  # type: ignore[no-untyped-def]
    return {p.id: p for p in session.scalars(select(Photo))}


def test_annotated_copy_reaches_a_teammate_linked_to_its_original(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.photo(ITEM, seed=1)
    with anna.session() as session:
        original_id = session.scalars(select(Photo.id)).one()
    copy_id, checklist_page = _annotate(anna, original_id)
    summary = anna.sync()
    assert summary.ok and summary.rejected == 0 and summary.blobs_uploaded == 2
    with make_session_factory(server_engine)() as session:
        assert _photos(session)[copy_id].annotated_from_id == original_id

    bram = laptops("bram").login("auditor2")
    summary = bram.sync()
    assert summary.ok and summary.photos_downloaded == 2
    with bram.session() as session:
        photos = _photos(session)
        copy, original = photos[copy_id], photos[original_id]
        assert copy.annotated_from_id == original_id and original.annotated_from_id is None
        assert copy.response_id == original.response_id is not None
        assert PhotoStore(bram.data_dir / "photos").path(copy.sha256).is_file()
    page = bram.client.get(checklist_page).get_data(as_text=True)
    assert page.count("Annotated copy</span>") == 1


def test_a_copy_naming_a_photo_of_no_audit_is_refused(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.photo(ITEM, seed=2)
    with anna.session() as session:
        original_id = session.scalars(select(Photo.id)).one()
    copy_id, _ = _annotate(anna, original_id)
    with anna.session() as session, session.begin():
        entry = session.scalars(
            select(OutboxEntry).where(OutboxEntry.entity_id == str(copy_id))
        ).one()
        payload = {**entry.payload, "annotated_from_id": str(uuid.uuid4())}
        session.execute(
            update(OutboxEntry).where(OutboxEntry.seq == entry.seq).values(payload=payload)
        )
    summary = anna.sync()
    assert summary.rejected == 1
    assert summary.rejections[0]["code"] == "invalid"
    with make_session_factory(server_engine)() as session:
        assert set(_photos(session)) == {original_id}
