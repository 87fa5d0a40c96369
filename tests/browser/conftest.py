"""Live apps on loopback and Debian's Chromium driven through Playwright.

In CI (CI=true) a missing browser is a failure; elsewhere the browser tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

PATIENCE_MS = 30_000
CHROMIUM = os.environ.get("AUDITKIT_CHROMIUM", "/usr/bin/chromium")
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "browser"
# Without these, Chromium phones home at start; this machine's network refuses it anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def _chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=PATIENCE_MS)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def live_field(field_app, seeded) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(field_app) as server:
        yield server


@pytest.fixture
def live_cb(cb_app, seeded) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(cb_app) as server:
        yield server


@pytest.fixture
def page(browser, request):  # type: ignore[no-untyped-def]
    """A fresh browser context whose every request is logged in `page.requests_seen`."""
    context = browser.new_context()
    # Tests wait on what a user would see; on a busy 2-core machine that can take a while.
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda r: page.requests_seen.append(r.url))
    yield page
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def live_field_all(field_app, seeded, server_engine, laptop_engine) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The field app with all three demo audits on the laptop (stage 2, integrated, VCA**)."""
    from auditkit.demo import INTEGRATED_AUDIT_ID, VCA_AUDIT_ID
    from tests.laptop_copy import copy_audit_to_laptop

    for audit_id in (INTEGRATED_AUDIT_ID, VCA_AUDIT_ID):
        copy_audit_to_laptop(server_engine, laptop_engine, audit_id, "auditor1")
    with LiveServer(field_app) as server:
        yield server
