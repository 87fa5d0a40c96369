"""In Chromium: a planner keeps client records, an admin manages accounts (issues 11, 12).

Waits only on what a user sees. Screenshots go to $AUDITKIT_SHOTS when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auditkit.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("AUDITKIT_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_planner_adds_a_client_a_site_and_a_contact(page, live_cb) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, live_cb.url, "planner")
    page.get_by_role("link", name="New client").click()
    page.fill("#legal_name", "Brightwater Components BV")
    page.fill("#city", "Delft")
    page.get_by_role("button", name="Create the client").click()
    # The demo already holds Brightwater Components: pointed out, with what was typed kept.
    expect(page.locator("#duplicates")).to_contain_text("Brightwater Components")
    expect(page.locator("#city")).to_have_value("Delft")
    _shot(page, "client-duplicate")
    page.fill("#legal_name", "Rivierdelta Logistiek B.V.")
    page.fill("#country", "Netherlands")
    page.get_by_role("button", name="Create it anyway").click()
    expect(page.locator("#country-error")).to_contain_text("two-letter code")
    expect(page.locator("#legal_name")).to_have_value("Rivierdelta Logistiek B.V.")
    page.fill("#country", "NL")
    page.get_by_role("button", name="Create the client").click()
    expect(page.get_by_role("heading", name="Rivierdelta Logistiek B.V.")).to_be_visible()

    page.get_by_role("link", name="Add a site").click()
    page.fill("#name", "Warehouse Zwolle")
    page.fill("#shift_personnel", "forty")
    page.get_by_role("button", name="Save the site").click()
    expect(page.locator("#shift_personnel-error")).to_contain_text("whole numbers")
    expect(page.locator("#name")).to_have_value("Warehouse Zwolle")
    page.fill("#shift_personnel", "40, 25, 10")
    page.get_by_label("Central function").check()
    page.get_by_role("button", name="Save the site").click()
    expect(page.locator("#site-list")).to_contain_text("40 + 25 + 10")

    page.get_by_role("link", name="Add a contact").click()
    page.fill("#name", "Eva Smit")
    page.fill("#email", "eva@rivierdelta.example")
    page.get_by_role("button", name="Save the contact").click()
    expect(page.locator("#contact-list")).to_contain_text("Eva Smit")
    _shot(page, "client-page")


def test_an_admin_creates_an_account_and_disables_it(page, live_cb) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, live_cb.url, "admin")
    page.get_by_role("link", name="Accounts").click()
    expect(page.locator("#user-list")).to_contain_text("planner")
    _shot(page, "accounts")
    page.get_by_role("link", name="New account").click()
    page.fill("#username", "eva.auditor")
    page.fill("#full_name", "Eva Auditor")
    page.get_by_label("Auditor").check()
    page.fill("#password", "password1234")
    page.get_by_role("button", name="Create the account").click()
    expect(page.locator("#password-error")).to_contain_text("most common passwords")
    expect(page.locator("#full_name")).to_have_value("Eva Auditor")
    _shot(page, "account-refused")
    page.fill("#password", "lantern orchard pebble violin")
    page.get_by_role("button", name="Create the account").click()
    expect(page.locator("#account-status")).to_have_text("active")
    page.get_by_role("button", name="Disable the account").click()
    expect(page.locator("#account-status")).to_have_text("disabled")
    _shot(page, "account-disabled")


def test_the_printable_plan_s_button_opens_the_print_dialog(page, live_cb, seeded) -> None:  # type: ignore[no-untyped-def]
    """The button was an inline onclick, which the CSP refused: it did nothing."""
    # Chromium's print dialog would block the page; record the call instead (an init script
    # runs before the page's own and is not subject to its CSP).
    page.add_init_script("window.print = () => { document.documentElement.dataset.printed = '1'; }")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    _sign_in(page, live_cb.url, "planner")
    page.goto(f"{live_cb.url}/audits/{seeded}")
    page.get_by_role("link", name="The plan for the client (print)").click()
    button = page.get_by_role("button", name="Print or save as PDF")
    expect(button).to_be_visible()  # shown only once print.js has wired it
    _shot(page, "plan-print")
    button.click()
    expect(page.locator("html")).to_have_attribute("data-printed", "1")
    assert refused == []
