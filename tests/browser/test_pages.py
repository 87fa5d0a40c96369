"""Both apps render in a real browser, load htmx from themselves, and talk only to 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from auditkit.demo import DEMO_PASSWORD
from tests.browser.journey_helpers import wait_until

pytestmark = pytest.mark.browser


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(u).hostname or "" for u in urls if not u.startswith(("data:", "blob:"))}


def test_field_app_renders_with_local_htmx_and_no_outside_requests(page, live_field) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_field.url + "/")
    assert page.locator("h1").inner_text() == "My audits"
    assert page.locator("#audit-list").get_by_text("Brightwater Components").is_visible()
    # htmx is a deferred script: wait until it has run, as a user waits for the page.
    wait_until(page, "typeof window.htmx === 'object'")
    assert page.evaluate("htmx.version").startswith("2.0.")
    page.get_by_role("link", name="Brightwater Components").click()
    expect(page.get_by_text("Tilburg warehouse").first).to_be_visible()
    assert any(u.endswith("/static/vendor/htmx.min.js") for u in page.requests_seen)
    assert _hosts(page.requests_seen) == {"127.0.0.1"}


def test_cb_app_sign_in_and_dashboard(page, live_cb) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_cb.url + "/")
    page.fill("#username", "planner")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#audit-list").get_by_text("Brightwater Components").first).to_be_visible()
    # htmx is a deferred script: wait for it to have run, as the field app's test does.
    wait_until(page, "typeof window.htmx === 'object'")
    page.get_by_role("link", name="Brightwater Components").first.click()
    expect(page.locator("#team-list").get_by_text("Anna de Vries")).to_be_visible()
    assert _hosts(page.requests_seen) == {"127.0.0.1"}


def test_wrong_password_shows_message_and_keeps_username(page, live_cb) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_cb.url + "/login")
    page.fill("#username", "planner")
    page.fill("#password", "wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_be_visible()
    assert page.input_value("#username") == "planner"
