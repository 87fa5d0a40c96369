"""Photos whose file is not on the laptop are listed where the lead closes the audit and on
the sync page, each with what it belongs to and a Remove button (issue 11, item 8)."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.models import Audit, OutboxEntry, Photo, SyncRejection
from auditkit.photostore import PhotoStore
from sync.client.run import SyncRun
from tests import factories

ITEM = "iso9001-2015:7.1.3/1"


def _orphan(laptop, caption: str = "Boiler room gauge") -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A photo row whose bytes never arrived and that belongs to no item or finding."""
    with make_session_factory(laptop.engine).begin() as session:
        photo = factories.photo(session, session.get(Audit, laptop.audit_id), caption=caption)
        return photo.id


def _photo(laptop, photo_id: uuid.UUID) -> Photo:  # type: ignore[no-untyped-def]
    with make_session_factory(laptop.engine)() as session:
        return session.get(Photo, photo_id)


def _remove_form(html: str, photo_id: uuid.UUID) -> str:
    """The Remove form of one listed photo (empty when there is none)."""
    match = re.search(
        rf'<li class="missing-photo" id="missing-photo-{photo_id}">.*?</li>', html, re.S
    )
    return match.group(0) if match else ""


def test_a_photo_without_its_file_and_attached_to_nothing_is_listed_and_removed(laptop) -> None:  # type: ignore[no-untyped-def]
    photo_id = _orphan(laptop)
    remove = f"/audits/{laptop.audit_id}/missing-photos/{photo_id}/remove"
    assert "1 photo cannot be sent" in laptop.client.get("/sync/").get_data(as_text=True)
    for page in (laptop.get("/closing/"), laptop.client.get("/sync/")):
        listed = _remove_form(page.get_data(as_text=True), photo_id)
        assert "Boiler room gauge" in listed
        assert "attached to no item or finding" in listed and "its file is lost" in listed
        assert f'action="{remove}"' in listed and "Remove this photo</button>" in listed
    closing = laptop.get("/closing/").get_data(as_text=True)
    assert '<li data-kind="photo_missing">' in closing
    assert f'href="#missing-photo-{photo_id}"' in closing

    refused = laptop.client.post(remove, data={"back": "closing"})  # no CSRF token
    assert refused.status_code in (400, 403) and _photo(laptop, photo_id).deleted_at is None

    reply = laptop.form(f"/missing-photos/{photo_id}/remove", {"back": "closing"})
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/audits/{laptop.audit_id}/closing/#missing-photos")
    entry = laptop.outbox()[-1]
    assert (entry.name, entry.entity_id, entry.base_version) == (
        "photo.delete.v1",
        str(photo_id),
        1,
    )
    assert _photo(laptop, photo_id).deleted_at is not None
    page = laptop.client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Photo removed. The server removes it too at the next sync." in page
    assert f"missing-photo-{photo_id}" not in page and 'data-kind="photo_missing"' not in page
    sync_page = laptop.client.get("/sync/").get_data(as_text=True)
    assert f"missing-photo-{photo_id}" not in sync_page
    assert 'id="sync-photos-missing"' not in sync_page  # a removed photo has nothing to send
    again = laptop.form(f"/missing-photos/{photo_id}/remove", {"back": "closing"})
    assert again.status_code == 404 and len(laptop.outbox()) == 1


def _upload(laptop) -> Photo:  # type: ignore[no-untyped-def]
    image = io.BytesIO()
    Image.new("RGB", (60, 40), "green").save(image, "JPEG")
    image.seek(0)
    data = {"item_key": ITEM, "owner": "x", "photos": (image, "a.jpg")}
    assert laptop.htmx("/photos", data, content_type="multipart/form-data").status_code == 200
    with make_session_factory(laptop.engine)() as session:
        return session.scalars(select(Photo)).one()


def test_an_items_photo_is_listed_once_its_file_is_gone_and_removed_from_the_sync_page(
    laptop, field_app
) -> None:  # type: ignore[no-untyped-def]
    photo = _upload(laptop)
    assert _remove_form(laptop.client.get("/sync/").get_data(as_text=True), photo.id) == ""
    PhotoStore(field_app.config["PHOTOS_DIR"]).path(photo.sha256).unlink()
    listed = _remove_form(laptop.client.get("/sync/").get_data(as_text=True), photo.id)
    assert "of <a href=" in listed and "checklist item iso9001-2015 7.1.3/1</a>" in listed
    reply = laptop.client.post(
        f"/audits/{laptop.audit_id}/missing-photos/{photo.id}/remove",
        data={"back": "sync", "csrf_token": laptop.token},
    )
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/sync/#missing-photos")
    assert [e.name for e in laptop.outbox()][-1] == "photo.delete.v1"
    assert _photo(laptop, photo.id).deleted_at is not None


def test_a_photo_whose_file_is_back_is_not_removed_from_the_list(laptop, field_app) -> None:  # type: ignore[no-untyped-def]
    photo = _upload(laptop)
    before = len(laptop.outbox())
    reply = laptop.form(f"/missing-photos/{photo.id}/remove", {"back": "closing"})
    assert reply.status_code == 302
    page = laptop.client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "file is on this laptop again, so it was not removed" in page
    assert _photo(laptop, photo.id).deleted_at is None and len(laptop.outbox()) == before


def test_removing_a_missing_photo_of_a_signed_audit_says_it_voids_the_signature(laptop) -> None:  # type: ignore[no-untyped-def]
    photo_id = _orphan(laptop)
    laptop.htmx("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    listed = _remove_form(laptop.get("/closing/").get_data(as_text=True), photo_id)
    assert 'name="confirm_void" value="1"' in listed and "void the signature" in listed
    reply = laptop.form(f"/missing-photos/{photo_id}/remove", {"confirm_void": "1"})
    assert reply.status_code == 302
    names = [e.name for e in laptop.outbox()][-2:]
    assert names == ["audit.signature_void.v1", "photo.delete.v1"]


def test_the_servers_refusal_for_missing_photos_points_to_the_list(laptop) -> None:  # type: ignore[no-untyped-def]
    photo_id = _orphan(laptop)
    with make_session_factory(laptop.engine).begin() as session:
        session.add(
            SyncRejection(
                seq=9,
                mutation_id=uuid.uuid4(),
                name="audit.submit.v1",
                audit_id=laptop.audit_id,
                entity_id=str(laptop.audit_id),
                code="blob_missing",
                message="1 photos have not reached the server yet.",
                payload={},
            )
        )
    html = laptop.client.get("/sync/").get_data(as_text=True)
    assert '<a href="#missing-photos">See the photos missing on this laptop</a>' in html
    assert 'id="missing-photos"' in html and f'id="missing-photo-{photo_id}"' in html
    with make_session_factory(laptop.engine)() as session:
        assert session.scalars(select(OutboxEntry)).first() is None  # nothing sent by itself


def test_once_removed_a_lost_photo_no_longer_keeps_the_sync_from_finishing(laptop) -> None:  # type: ignore[no-untyped-def]
    photo_id = _orphan(laptop)
    data_dir = laptop.client.application.config["DATA_DIR"]
    run = SyncRun(data_dir, api=None, engine=laptop.engine)  # type: ignore[arg-type]
    run.upload_blobs()  # nothing to send: no request is made
    assert run.summary.unsent_photos == 1 and not run.summary.ok
    assert laptop.form(f"/missing-photos/{photo_id}/remove").status_code == 302
    run = SyncRun(data_dir, api=None, engine=laptop.engine)  # type: ignore[arg-type]
    run.upload_blobs()
    assert run.summary.unsent_photos == 0
