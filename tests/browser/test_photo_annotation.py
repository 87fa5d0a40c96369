"""Annotating a photo in Chromium with the mouse, offline: the copy joins the gallery, marked."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.models import Photo
from auditkit.photostore import PhotoStore
from tests.browser.journey_helpers import block_outside_requests, hosts, ready, shot

pytestmark = pytest.mark.browser

ITEM = "iso9001-2015:7.2/1"


def _grey_photo(path):  # type: ignore[no-untyped-def]
    Image.new("RGB", (1200, 800), (128, 128, 128)).save(path, "JPEG", quality=90)
    return path


def _drag(page, box, start, end) -> None:  # type: ignore[no-untyped-def]
    """Drag the mouse between two points given as fractions of the drawing area."""
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()


def _reddish_pixels(path) -> int:  # type: ignore[no-untyped-def]
    with Image.open(path) as image:
        data = image.convert("RGB").tobytes()
    return sum(
        1 for i in range(0, len(data), 3) if data[i] > 180 and data[i + 1] < 90 and data[i + 2] < 90
    )


def test_draw_on_a_copy_and_see_both_photos(
    page, live_field, field_app, laptop_engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    aborted = block_outside_requests(page.context)
    page.goto(live_field.url + "/")
    page.locator("#audit-list").get_by_role("link", name="Brightwater Components").click()
    page.get_by_role("link", name="Checklist", exact=True).click()
    page.get_by_role("complementary", name="Clauses").get_by_role(
        "link", name="7.2 Competence", exact=True
    ).click()
    ready(page)
    article = page.locator(f'article.item[data-item-key="{ITEM}"]')
    figures = article.locator(".gallery figure.photo")
    article.locator("form.dropzone input[type=file][multiple]").set_input_files(
        _grey_photo(tmp_path / "panel.jpg")
    )
    expect(figures).to_have_count(1)

    figures.first.get_by_role("link", name="Annotate").click()
    expect(page.get_by_role("heading", name="Annotate a copy of this photo")).to_be_visible()
    canvas = page.locator("#annotate-canvas")
    status = page.locator("#annotate-status")
    expect(page.locator("#annotate.is-ready")).to_be_visible()
    expect(status).to_have_text("No marks yet")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 200, box

    _drag(page, box, (0.15, 0.8), (0.45, 0.45))  # an arrow, red by default
    expect(status).to_have_text("1 mark")
    page.get_by_label("Circle").check()
    _drag(page, box, (0.5, 0.2), (0.85, 0.7))
    expect(status).to_have_text("2 marks")
    page.get_by_label("Label text").fill("Guard missing")
    expect(page.get_by_label("Label", exact=True)).to_be_checked()  # typing picks the tool
    canvas.click(position={"x": box["width"] * 0.1, "y": box["height"] * 0.15})
    expect(status).to_have_text("3 marks")
    page.get_by_role("button", name="Undo").click()
    expect(status).to_have_text("2 marks")
    canvas.click(position={"x": box["width"] * 0.1, "y": box["height"] * 0.15})
    expect(status).to_have_text("3 marks")
    shot(page, "annotate-01-drawn")

    page.get_by_role("button", name="Save annotated copy").click()
    expect(page).to_have_url(re.compile(r"/checklist\?section=.*#i[0-9a-f]{12}$"))
    expect(figures).to_have_count(2)
    expect(article.locator(".annotated-mark")).to_have_count(1)
    expect(figures.last.locator(".annotated-mark")).to_have_text("Annotated copy")
    expect(figures.first.locator(".annotated-mark")).to_have_count(0)
    shot(page, "annotate-02-gallery")

    with make_session_factory(laptop_engine)() as session:
        original, copy = session.scalars(select(Photo).order_by(Photo.created_at)).all()
    assert copy.annotated_from_id == original.id and copy.response_id == original.response_id
    assert (copy.width, copy.height) == (original.width, original.height) == (1200, 800)
    store = PhotoStore(field_app.config["PHOTOS_DIR"])
    assert _reddish_pixels(store.path(original.sha256)) == 0
    assert _reddish_pixels(store.path(copy.sha256)) > 500  # the marks are in the copy

    assert aborted == []
    assert hosts(page.requests_seen) == {"127.0.0.1"}
