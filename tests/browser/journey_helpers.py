"""Helpers for the field-app browser journey: autosave waits, the offline guard, test photos."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from tests.browser.conftest import OUTPUT_DIR

SAVED = re.compile(r"^Saved \d\d:\d\d:\d\d$")
ORIENTATION = 0x0112  # EXIF tag: how the camera was held


def hosts(urls: list[str]) -> set[str]:
    return {urlsplit(u).hostname or "" for u in urls if not u.startswith(("data:", "blob:"))}


def block_outside_requests(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Route every request: loopback goes through, anything else is aborted and listed."""
    aborted: list[str] = []

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", handle)
    return aborted


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / f"{name}.png"), full_page=True)


def landscape_jpeg(path: Path, colour: str, orientation: int | None = None) -> Path:
    """A small 160x80 JPEG; with EXIF orientation 6 a viewer shows it rotated to portrait."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    Image.new("RGB", (160, 80), colour).save(path, "JPEG", quality=85, exif=exif)
    return path


def ready(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page is wired for use (htmx and field.js ran), as a person would."""
    page.locator("html[data-ready]").wait_for(state="attached")


def follow(page, link) -> None:  # type: ignore[no-untyped-def]
    """Click a link to another field-app page and wait until that page is wired for use.

    Without the wait, a test can type into the new page's fields before htmx has bound their
    autosave: the text shows, but nothing saves it (a busy machine makes that likely).
    """
    with page.expect_navigation():
        link.click()
    ready(page)


def wait_until(page, expression: str, timeout_s: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until a script expression is true in the page.

    Playwright's own ``wait_for_function`` polls through ``eval`` inside the page, which our
    Content-Security-Policy (``script-src 'self'``) refuses whenever the first check is not
    already true. ``page.evaluate`` runs through the debugging protocol and is not subject to
    the page's policy, so we poll with it.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:.0f} s: {expression}")
        page.wait_for_timeout(100)
