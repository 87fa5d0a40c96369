from __future__ import annotations

import io
import re

from PIL import Image

from auditkit.models import Photo

ITEM = "iso9001-2015:7.1.3/1"


def _jpeg(width: int = 1200, height: int = 900) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 140, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def _upload(laptop, files, **target):  # type: ignore[no-untyped-def]
    data = {"item_key": ITEM, "owner": "x", **target}
    data["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return laptop.htmx("/photos", data, content_type="multipart/form-data")


def test_upload_to_an_item_stores_bytes_row_and_outbox(laptop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reply = _upload(laptop, [("a.jpg", _jpeg()), ("b.jpg", _jpeg(800, 600))])
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert html.count('class="photo"') == 2
    names = [e.name for e in laptop.outbox()]
    assert names == ["answer.set.v1", "photo.add.v1", "photo.add.v1"]
    sha = re.search(r"/photos/([0-9a-f]{64})\.thumb\.jpg", html).group(1)
    full = laptop.client.get(f"/photos/{sha}.jpg")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert "immutable" in full.headers["Cache-Control"]
    assert laptop.client.get(f"/photos/{sha}.thumb.jpg").status_code == 200
    checklist = laptop.get("/checklist?section=support.resources").get_data(as_text=True)
    assert checklist.count(f"/photos/{sha}.thumb.jpg") == 1


def test_bad_files_are_refused_by_name_and_good_ones_kept(laptop) -> None:  # type: ignore[no-untyped-def]
    files = [
        ("notes.pdf", b"%PDF-1.7 not a photo"),
        ("broken.jpg", _jpeg()[:2000]),
        ("good.jpg", _jpeg()),
    ]
    reply = _upload(laptop, files)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200  # one photo made it
    assert "notes.pdf: This file is not a photo we can read" in html
    assert "broken.jpg: This photo file is damaged or incomplete" in html
    assert laptop.count(Photo) == 1


def test_nothing_chosen_is_a_clear_422(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx("/photos", {"item_key": ITEM, "owner": "x"})
    assert reply.status_code == 422
    assert "Choose one or more photos" in reply.get_data(as_text=True)


def test_oversized_request_is_refused(laptop, field_app) -> None:  # type: ignore[no-untyped-def]
    field_app.config["MAX_CONTENT_LENGTH"] = 100_000
    reply = _upload(laptop, [("big.jpg", b"\xff\xd8\xff" + b"0" * 200_000)])
    assert reply.status_code == 413
    assert laptop.count(Photo) == 0


def test_upload_to_unknown_item_or_finding_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    assert _upload(laptop, [("a.jpg", _jpeg())], item_key="nope:1/1").status_code == 404
    reply = _upload(laptop, [("a.jpg", _jpeg())], finding_id="00000000-0000-0000-0000-000000000000")
    assert reply.status_code == 404


def test_caption_and_delete(laptop) -> None:  # type: ignore[no-untyped-def]
    html = _upload(laptop, [("a.jpg", _jpeg())]).get_data(as_text=True)
    photo_id = re.search(r'id="photo-([0-9a-f-]{36})"', html).group(1)
    saved = laptop.htmx(f"/photos/{photo_id}/caption", {"caption": "Gauge label"})
    assert saved.status_code == 200 and "Saved" in saved.get_data(as_text=True)
    too_long = laptop.htmx(f"/photos/{photo_id}/caption", {"caption": "x" * 501})
    assert too_long.status_code == 422 and "under 500" in too_long.get_data(as_text=True)
    gallery = laptop.htmx(f"/photos/{photo_id}/delete", {"owner": "x"}).get_data(as_text=True)
    assert 'class="photo"' not in gallery
    assert [e.name for e in laptop.outbox()][-2:] == ["photo.update.v1", "photo.delete.v1"]


def test_photo_paths_cannot_escape_the_store(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.client.get("/photos/..%2F..%2Fsecret_key.jpg").status_code == 404
    assert laptop.client.get("/photos/" + "a" * 64 + ".jpg").status_code == 404


def test_photos_after_sign_off_ask_then_void_the_signature(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx("/closing/conclusion", {"recommendation": "certify"})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    page = laptop.get("/checklist?section=support.resources").get_data(as_text=True)
    assert 'hx-confirm="The lead auditor has signed this audit' in page
    refused = _upload(laptop, [("a.jpg", _jpeg())], confirm_void="0")
    assert refused.status_code == 422 and "voids the signature" in refused.get_data(as_text=True)
    assert laptop.count(Photo) == 0
    accepted = _upload(laptop, [("a.jpg", _jpeg())], confirm_void="1")
    assert (
        accepted.status_code == 200 and accepted.get_data(as_text=True).count('class="photo"') == 1
    )
    assert "Signed by" not in laptop.get("/closing/").get_data(as_text=True)
