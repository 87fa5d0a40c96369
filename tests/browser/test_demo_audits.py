"""The integrated and the VCA** demo audits, each conducted, signed and previewed in Chromium
with the network off; and the field app on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journey_helpers import (
    SAVED,
    block_outside_requests,
    follow,
    hosts,
    ready,
    shot,
)

pytestmark = pytest.mark.browser


def _open(page, url: str, client: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/")
    page.locator("#audit-list").get_by_role("link", name=client).click()
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    ready(page)


def _record_time(page, **fields: str) -> None:  # type: ignore[no-untyped-def]
    follow(page, page.get_by_role("link", name="Audit time", exact=True))
    page.get_by_label("Day").fill(fields["day"])
    page.get_by_label(fields["mode"], exact=True).check()
    if "site" in fields:
        page.locator("#a-site").select_option(label=fields["site"])
    page.get_by_label("Hours").fill(fields["hours"])
    page.get_by_label("Activity").fill(fields["activity"])
    if "ict" in fields:
        page.get_by_label("ICT used").fill(fields["ict"])
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#activity-list")).to_contain_text(fields["activity"])


def _close_and_sign(page, recommendation: str) -> None:  # type: ignore[no-untyped-def]
    follow(page, page.get_by_role("link", name="Closing", exact=True))
    page.locator("#meeting-closing").get_by_label("Held at").fill("2026-12-15T16:00")
    page.locator("#meeting-closing").get_by_label("Attendees").fill("Marloes Visser, QHSE")
    expect(page.locator("#state-meeting-closing")).to_have_text(SAVED)
    conclusion = page.locator("#conclusion")
    conclusion.get_by_label(recommendation).check()
    conclusion.get_by_label(
        "Conforms and is effective, apart from the nonconformities raised"
    ).check()
    conclusion.get_by_label("Internal audits: what was seen").fill("Programme complete for 2026.")
    conclusion.get_by_label("Yes, the scope is appropriate").check()
    conclusion.get_by_label("Met", exact=True).check()
    conclusion.get_by_label("Audit conclusion").fill("Effective apart from the finding raised.")
    expect(page.locator("#state-conclusion")).to_have_text(SAVED)
    page.reload()
    expect(page.locator("#recommendation-problem")).to_have_text("")
    page.get_by_role("button", name="Sign off as lead auditor").click()
    expect(page.locator("#sign-asks")).to_be_visible()
    page.get_by_label("Sign off although the gaps listed above remain").check()
    page.get_by_role("button", name="Sign off as lead auditor").click()
    expect(page.locator("#signed")).to_contain_text("matches the audit now")


def test_integrated_surveillance_end_to_end(page, live_field_all) -> None:  # type: ignore[no-untyped-def]
    aborted = block_outside_requests(page.context)
    _open(page, live_field_all.url, "Delta Installatietechniek")

    # Internal audit programme: one node with each standard's 9.2.2.
    page.get_by_role("link", name="Checklist", exact=True).click()
    tree = page.get_by_role("complementary", name="Clauses")
    expect(tree.get_by_role("link", name=re.compile(r"^9\.2 Internal audit"))).to_have_count(1)
    tree.get_by_role("link", name=re.compile(r"^9\.2 Internal audit")).click()
    item = page.locator('article.item[data-item-key="iso14001-2015:9.2.2/1"]')
    item.get_by_label("Nonconformity", exact=True).check()
    item.get_by_label("Notes", exact=True).fill("Programme 2026 skips the depot.")
    expect(item.locator(".save-state")).to_have_text(SAVED)

    item.get_by_role("link", name="Raise a finding").click()
    picker = page.locator("#clause-picker")
    for value in ("iso9001-2015|9.2.2", "iso14001-2015|9.2.2", "iso45001-2018|9.2.2"):
        expect(picker.locator(f'input[value="{value}"]')).to_be_checked()
    page.get_by_label("Item within the clause").fill("b)")
    page.get_by_label("Requirement", exact=True).fill("The programme covers every site.")
    page.get_by_label("Objective evidence", exact=True).fill("Programme 2026 rev 1: no Deventer.")
    page.get_by_label("Statement", exact=True).fill("The Deventer depot is not in the programme.")
    page.get_by_role("button", name="Raise finding").click()
    expect(page.get_by_text("Finding raised")).to_be_visible()

    _record_time(
        page,
        day="2026-12-15",
        mode="On site",
        site="Zwolle head office and workshop",
        hours="6",
        activity="Opening; management review; internal audit",
    )
    _record_time(
        page,
        day="2026-12-16",
        mode="Remote (ICT)",
        site="Deventer service depot",
        hours="2",
        activity="Depot walk-through by live camera",
        ict="Video call with a phone camera",
    )
    _close_and_sign(
        page,
        "Recommend maintaining certification once majors are verified closed and the plans "
        "for minors accepted",
    )

    page.get_by_role("link", name="Report", exact=True).click()
    body = page.locator("body")
    expect(body).to_contain_text(
        "Integrated audit of ISO 9001:2015, ISO 14001:2015 and ISO 45001:2018"
    )
    expect(body).to_contain_text("ISO 14001:2015 9.2.2 b)")
    expect(page.locator("#remote-share")).to_contain_text("25% of the auditing time")
    expect(page.locator("#statement-system_effectiveness")).to_contain_text("Programme complete")
    expect(page.locator("#recommendation")).to_contain_text("Recommend maintaining")
    shot(page, "demo-integrated-report")
    assert hosts(page.requests_seen) == {"127.0.0.1"} and aborted == []


def test_vca_audit_end_to_end(page, live_field_all) -> None:  # type: ignore[no-untyped-def]
    aborted = block_outside_requests(page.context)
    _open(page, live_field_all.url, "Van Dijk Industrial Services")
    expect(page.locator("#vca-level")).to_have_text("VCA**")
    expect(page.locator("#vca-provisional")).to_be_visible()

    page.get_by_role("link", name="Checklist", exact=True).click()
    page.get_by_role("complementary", name="Clauses").get_by_role(
        "link", name=re.compile(r"^3 ")
    ).click()
    item = page.locator('article.item[data-item-key="vca-2017:3.2"]')
    item.get_by_label("Nonconformity", exact=True).check()
    expect(item.locator(".save-state")).to_have_text(SAVED)
    item.get_by_role("link", name="Raise a finding").click()
    expect(page.get_by_label("Grade")).to_have_value("deviation")
    expect(page.locator('#clause-picker input[value="vca-2017|3.2"]')).to_be_checked()
    page.get_by_label("Objective evidence", exact=True).fill(
        "2 of 6 operators at Botlek: no B-VCA."
    )
    page.get_by_label("Statement", exact=True).fill("Not every operational worker holds B-VCA.")
    page.get_by_role("button", name="Raise finding").click()
    expect(page.get_by_text("Finding raised")).to_be_visible()

    _record_time(
        page,
        day="2026-12-29",
        mode="On site",
        site="Project: Botlek tank terminal",
        hours="5",
        activity="Work location visit; LMRA and toolbox records",
    )
    _close_and_sign(
        page,
        "Recommend granting certification once majors are verified closed and the plans for "
        "minors accepted",
    )
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.locator("#vca-provisional")).to_be_visible()
    expect(page.locator("table.vca-levels")).to_contain_text("VCA** (applied for)")
    expect(page.locator("body")).to_contain_text("Deviation (VCA)")
    shot(page, "demo-vca-report")
    assert hosts(page.requests_seen) == {"127.0.0.1"} and aborted == []


def test_on_a_phone_the_header_and_tabs_take_at_most_a_fifth_of_the_screen(  # type: ignore[no-untyped-def]
    browser, live_field_all
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        _open(page, live_field_all.url, "Delta Installatietechniek")
        bottom = page.evaluate("document.querySelector('nav.tabs').getBoundingClientRect().bottom")
        assert bottom <= 844 / 5, f"header and tabs end at {bottom} px"
        page.get_by_role("link", name="Findings", exact=True).click()
        page.get_by_role("link", name="Raise a finding").click()
        search = page.get_by_label("Find a clause")
        search.fill("9.2.2")
        visible = page.locator("#clause-picker label.pick:visible")
        expect(visible).to_have_count(3)
        heights = visible.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 44, heights
        shot(page, "phone-clause-picker")
    finally:
        context.close()


def test_pages_name_an_icon_that_is_there(page, live_field_all) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_field_all.url + "/")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(live_field_all.url + icon).status == 200
    assert page.request.get(live_field_all.url + "/favicon.ico").status == 200
