"""Annotating a photo saves a new, linked copy; the photo as taken keeps its row and bytes."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

from PIL import Image, ImageDraw
from sqlalchemy import select, update

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.field.context import dom_id
from auditkit.models import Audit, AuditStatus, Photo
from auditkit.photostore import PhotoStore

ITEM = "iso9001-2015:7.1.3/1"
SECTION = "support.resources"  # the checklist page that holds ITEM
JSON = {"Accept": "application/json"}


def _jpeg(drawn: bool = False) -> bytes:
    image = Image.new("RGB", (1200, 900), (120, 140, 160))
    if drawn:
        ImageDraw.Draw(image).ellipse((300, 200, 700, 600), outline=(224, 36, 27), width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _original(laptop, **target) -> Photo:  # type: ignore[no-untyped-def]
    data = {"item_key": ITEM, "owner": "x", **target, "photos": [(io.BytesIO(_jpeg()), "a.jpg")]}
    reply = laptop.htmx("/photos", data, content_type="multipart/form-data")
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return _photos(laptop)[0]


def _photos(laptop) -> list[Photo]:  # type: ignore[no-untyped-def]
    with make_session_factory(laptop.engine)() as session:
        return list(session.scalars(select(Photo).order_by(Photo.created_at)))


def _save(laptop, photo_id, data: bytes | None, headers=JSON, **form):  # type: ignore[no-untyped-def]
    body = dict(form)
    if data is not None:
        body["image"] = (io.BytesIO(data), "annotated.jpg")
    return laptop.client.post(
        f"{laptop.base}/photos/{photo_id}/annotated",
        data=body,
        headers={"X-CSRF-Token": laptop.token, **headers},
        content_type="multipart/form-data",
    )


def _columns(photo: Photo) -> dict:  # type: ignore[type-arg]
    return {c.key: getattr(photo, c.key) for c in Photo.__table__.columns}


def test_annotated_copy_is_a_new_linked_photo_and_the_original_is_untouched(
    laptop, field_app
) -> None:  # type: ignore[no-untyped-def]
    store = PhotoStore(field_app.config["PHOTOS_DIR"])
    original = _original(laptop)
    before = _columns(original)
    original_bytes = store.path(original.sha256).read_bytes()
    outbox_before = len(laptop.outbox())

    reply = _save(laptop, original.id, _jpeg(drawn=True))

    assert reply.status_code == 201, reply.get_data(as_text=True)
    assert reply.json["location"] == f"{laptop.base}/checklist?section={SECTION}#{dom_id(ITEM)}"
    kept, copy = _photos(laptop)
    assert _columns(kept) == before
    assert store.path(original.sha256).read_bytes() == original_bytes
    assert hashlib.sha256(original_bytes).hexdigest() == original.sha256
    assert str(copy.id) == reply.json["photo_id"] and copy.id != original.id
    assert copy.annotated_from_id == original.id
    assert copy.sha256 != original.sha256 and store.path(copy.sha256).is_file()
    assert (copy.response_id, copy.finding_id) == (original.response_id, None)
    assert copy.caption == original.caption and copy.version == 1

    entries = laptop.outbox()
    assert len(entries) == outbox_before + 1
    added, first = entries[-1], entries[-2]
    assert (added.name, added.entity_id) == ("photo.add.v1", str(copy.id))
    assert added.payload["annotated_from_id"] == str(original.id)
    assert added.payload["item_key"] == ITEM and added.payload["sha256"] == copy.sha256
    assert set(added.payload) == set(first.payload) | {"annotated_from_id"}

    page = laptop.get(f"/checklist?section={SECTION}").get_data(as_text=True)
    assert page.count('class="photo"') == 2
    assert page.count("Annotated copy</span>") == 1
    assert page.count(f"/photos/{original.id}/annotate") == 1


def test_copy_of_a_finding_photo_stays_with_the_finding(laptop) -> None:  # type: ignore[no-untyped-def]
    created = laptop.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.1.5 monitoring and measuring resources",
            "objective_evidence": "Gauge G-4 past its calibration date",
            "statement": "Calibration not ensured",
        },
    )
    assert created.status_code == 302
    finding_id = re.search(r"/findings/([0-9a-f-]{36})", created.headers["Location"]).group(1)
    original = _original(laptop, item_key="", finding_id=finding_id)

    reply = _save(laptop, original.id, _jpeg(drawn=True), headers={})  # a plain form post

    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/audits/{AUDIT_ID}/findings/{finding_id}")
    copy = _photos(laptop)[-1]
    assert str(copy.finding_id) == finding_id and copy.response_id is None
    assert laptop.outbox()[-1].payload["finding_id"] == finding_id
    page = laptop.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert page.count('class="photo"') == 2 and "Annotated copy" in page


def test_annotate_page_draws_over_the_photo(laptop) -> None:  # type: ignore[no-untyped-def]
    original = _original(laptop)
    reply = laptop.get(f"/photos/{original.id}/annotate")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert '<canvas id="annotate-canvas"' in html and "Save annotated copy" in html
    assert re.search(r'<script src="/static/js/annotate\.js" defer>', html)
    assert f'src="/photos/{original.sha256}.jpg"' in html
    assert " style=" not in html  # the CSP allows no inline styles
    assert "data-confirm-void" not in html


def test_photo_not_in_this_audit_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    stranger = uuid.uuid4()
    assert laptop.get(f"/photos/{stranger}/annotate").status_code == 404
    assert _save(laptop, stranger, _jpeg()).status_code == 404
    original = _original(laptop)
    laptop.htmx(f"/photos/{original.id}/delete", {"owner": "x"})
    assert laptop.get(f"/photos/{original.id}/annotate").status_code == 404


def test_a_bad_upload_is_refused_with_nothing_written(laptop, field_app) -> None:  # type: ignore[no-untyped-def]
    original = _original(laptop)
    photos_dir = field_app.config["PHOTOS_DIR"]
    files_before = sorted(p for p in photos_dir.rglob("*") if p.is_file())
    outbox_before = len(laptop.outbox())

    missing = _save(laptop, original.id, None)
    assert missing.status_code == 400 and missing.json["error"]["code"] == "no_image"
    not_a_photo = _save(laptop, original.id, b"%PDF-1.7 not a photo")
    assert not_a_photo.status_code == 422
    assert "not a photo we can read" in not_a_photo.json["error"]["message"]
    damaged = _save(laptop, original.id, _jpeg(drawn=True)[:3000], headers={})
    assert damaged.status_code == 422 and "damaged" in damaged.get_data(as_text=True)

    assert len(_photos(laptop)) == 1 and len(laptop.outbox()) == outbox_before
    assert sorted(p for p in photos_dir.rglob("*") if p.is_file()) == files_before


def test_a_locked_audit_refuses_annotation(laptop) -> None:  # type: ignore[no-untyped-def]
    original = _original(laptop)
    outbox_before = len(laptop.outbox())
    with laptop.engine.begin() as conn:
        conn.execute(update(Audit).where(Audit.id == AUDIT_ID).values(status=AuditStatus.SUBMITTED))

    page = laptop.get(f"/photos/{original.id}/annotate")
    assert page.status_code == 409
    assert "can no longer be changed" in page.get_data(as_text=True)
    assert "annotate-canvas" not in page.get_data(as_text=True)
    refused = _save(laptop, original.id, _jpeg(drawn=True))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "read_only"
    gallery = laptop.get(f"/checklist?section={SECTION}").get_data(as_text=True)
    assert f"/photos/{original.id}/annotate" not in gallery
    assert len(_photos(laptop)) == 1 and len(laptop.outbox()) == outbox_before


def test_a_signed_audit_asks_before_the_copy_voids_the_signature(laptop) -> None:  # type: ignore[no-untyped-def]
    original = _original(laptop)
    laptop.htmx("/closing/conclusion", {"recommendation": "certify"})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    page = laptop.get(f"/photos/{original.id}/annotate").get_data(as_text=True)
    assert 'data-confirm-void="The lead auditor has signed this audit' in page

    asked = _save(laptop, original.id, _jpeg(drawn=True), confirm_void="0")
    assert asked.status_code == 409
    assert asked.json["error"]["code"] == "signature_would_be_voided"
    assert len(_photos(laptop)) == 1
    assert "Signed by" in laptop.get("/closing/").get_data(as_text=True)

    confirmed = _save(laptop, original.id, _jpeg(drawn=True), confirm_void="1")
    assert confirmed.status_code == 201
    assert len(_photos(laptop)) == 2
    assert [e.name for e in laptop.outbox()][-2:] == ["audit.signature_void.v1", "photo.add.v1"]
    assert "Signed by" not in laptop.get("/closing/").get_data(as_text=True)
