"""An auditor's day in the field app, in Chromium, with the network off.

Open the demo audit, hold the opening meeting, answer items (reloading on the way to prove
autosave and the localStorage drafts), raise a major nonconformity with two photos, close,
sign off, void the signature with a later edit, and preview the report.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journey_helpers import (
    SAVED,
    block_outside_requests,
    follow,
    hosts,
    landscape_jpeg,
    ready,
    shot,
    wait_until,
)

pytestmark = pytest.mark.browser

ITEM_1, ITEM_2, ITEM_3 = (f"iso9001-2015:7.2/{n}" for n in (1, 2, 3))
STATEMENT = "Competence of the two forklift drivers sampled is not demonstrated."


@pytest.fixture
def aborted(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Requests to anywhere but 127.0.0.1, aborted as if the laptop were offline."""
    return block_outside_requests(page.context)


def item(page, key: str):  # type: ignore[no-untyped-def]
    return page.locator(f'article.item[data-item-key="{key}"]')


def open_competence_page(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Checklist", exact=True).click()
    page.get_by_role("complementary", name="Clauses").get_by_role(
        "link", name="7.2 Competence", exact=True
    ).click()
    expect(item(page, ITEM_1)).to_be_visible()
    ready(page)


def answer(page, key: str, verdict: str, notes: str) -> None:  # type: ignore[no-untyped-def]
    article = item(page, key)
    article.get_by_label(verdict.capitalize(), exact=True).check()
    article.get_by_label("Notes", exact=True).fill(notes)
    # "Saved" shows only once the last edit is stored (field.js): wait for what the user sees.
    expect(article.locator(".save-state")).to_have_text(SAVED)


def test_auditor_journey_offline(page, live_field, aborted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # 1. My audits -> the demo audit's overview.
    page.goto(live_field.url + "/")
    page.locator("#audit-list").get_by_role("link", name="Brightwater Components").click()
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(page.locator("#progress-total")).to_have_text(re.compile(r"^0 of \d+$"))
    shot(page, "journey-01-overview")

    # 2. Opening meeting, autosaved; a reload shows what the server kept.
    follow(page, page.get_by_role("link", name="Opening meeting"))
    attendees = "Eva Bakker, Quality manager\nJan Smit, Plant manager"
    notes = "Scope and plan confirmed; the audit starts in the warehouse."
    page.get_by_label("Held at").fill("2025-06-02T08:30")
    page.get_by_label("Attendees").fill(attendees)
    page.get_by_label("Notes").fill(notes)
    expect(page.locator("#state-meeting-opening")).to_have_text(SAVED)
    page.reload()
    expect(page.get_by_label("Held at")).to_have_value("2025-06-02T08:30")
    expect(page.get_by_label("Attendees")).to_have_value(attendees)
    expect(page.get_by_label("Notes")).to_have_value(notes)
    shot(page, "journey-02-opening-meeting")

    # 3. Checklist 7.2: two answers survive a reload; the tree counts them.
    open_competence_page(page)
    answer(page, ITEM_1, "conforming", "Competence matrix QP-07 rev 4 seen, up to date.")
    answer(page, ITEM_2, "nonconformity", "No training records for 2 of 5 forklift drivers.")
    page.reload()
    for key, verdict, text in [
        (ITEM_1, "Conforming", "Competence matrix QP-07"),
        (ITEM_2, "Nonconformity", "No training records"),
    ]:
        expect(item(page, key).get_by_label(verdict, exact=True)).to_be_checked()
        expect(item(page, key).get_by_label("Notes", exact=True)).to_have_value(re.compile(text))
    tree_entry = page.locator(".clause-tree li").filter(has_text="7.2 Competence")
    expect(tree_entry.locator(".count")).to_have_text("2/3")

    # A reload before the 700 ms autosave: the localStorage draft brings the text back and saves it.
    draft = "Gap found for a new hire; retraining planned, effectiveness not yet checked."
    item(page, ITEM_3).get_by_label("Notes", exact=True).fill(draft)
    page.reload()
    notes_3 = item(page, ITEM_3).get_by_label("Notes", exact=True)
    expect(notes_3).to_have_value(draft)
    expect(notes_3).to_have_class(re.compile(r"\brestored\b"))
    expect(item(page, ITEM_3).locator(".save-state")).to_have_text(SAVED)
    page.reload()
    expect(notes_3).to_have_value(draft)
    expect(notes_3).not_to_have_class(re.compile(r"\brestored\b"))
    shot(page, "journey-03-checklist")

    # 4. A major NC raised from item 7.2/2, with two photos and a caption.
    item(page, ITEM_2).get_by_role("link", name="Raise a finding").click()
    page.get_by_label("Grade").select_option("major")
    page.get_by_label("Requirement", exact=True).fill(
        "7.2 b) persons are competent on the basis of training"
    )
    evidence = "Training file for drivers FD-12 and FD-17 empty."
    page.get_by_label("Objective evidence", exact=True).fill(evidence)
    page.get_by_label("Statement", exact=True).fill(STATEMENT)
    page.get_by_label("Extent", exact=True).fill("2 of 5 drivers sampled")
    page.get_by_role("button", name="Raise finding").click()
    expect(page.get_by_text("Finding raised")).to_be_visible()
    ready(page)

    photos = [
        landscape_jpeg(tmp_path / "forklift.jpg", "orange", orientation=6),
        landscape_jpeg(tmp_path / "training-file.jpg", "steelblue"),
    ]
    figures = page.locator(".gallery figure.photo")
    page.locator(".gallery form.dropzone input[type=file][multiple]").set_input_files(photos)
    expect(figures).to_have_count(2)
    caption = "Forklift FD-12 at dock 3"
    figures.first.get_by_label("Caption").fill(caption)
    figures.first.get_by_label("Caption").press("Tab")
    expect(figures.first.locator(".save-state")).to_have_text(SAVED)
    page.reload()
    expect(figures).to_have_count(2)
    expect(figures.first.get_by_label("Caption")).to_have_value(caption)
    expect(figures.first.get_by_role("img")).to_have_attribute("alt", caption)
    figures.last.scroll_into_view_if_needed()
    wait_until(
        page,
        "() => [...document.querySelectorAll('.gallery figure.photo img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.gallery figure.photo img')]"
        ".map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert all(w > 0 for w, _ in sizes), sizes
    # The EXIF-rotated photo was turned upright: one portrait thumbnail, one landscape.
    assert sorted(w > h for w, h in sizes) == [False, True], sizes
    shot(page, "journey-04-finding")

    # 5. The findings list.
    page.get_by_role("link", name="Findings", exact=True).click()
    row = page.locator("#finding-list tbody tr").filter(has_text="P1")
    expect(row.locator(".grade")).to_have_text("major")
    expect(row).to_contain_text(STATEMENT)

    # 6. Closing meeting, recommendation, conclusion, sign-off, acknowledgement.
    follow(page, page.get_by_role("link", name="Closing", exact=True))
    closing_people = "Eva Bakker, Quality manager\nPiet Jansen, Managing director"
    closing_notes = "Findings presented; the major NC was understood and accepted."
    page.get_by_label("Attendees").fill(closing_people)
    page.get_by_label("Notes").fill(closing_notes)
    expect(page.locator("#state-meeting-closing")).to_have_text(SAVED)
    conclusion = "The system is effective apart from the competence NC raised."
    page.get_by_label(
        "Recommend granting certification once majors are verified closed and the plans "
        "for minors accepted"
    ).check()
    page.get_by_label("Audit conclusion").fill(conclusion)
    expect(page.locator("#state-conclusion")).to_have_text(SAVED)
    # Sign-off lists what is missing (most items are unanswered) and asks before going on.
    expect(page.locator("#gaps")).to_contain_text("checklist items are not answered")
    page.get_by_role("button", name="Sign off as lead auditor").click()
    expect(page.locator("#sign-asks")).to_contain_text("Not signed yet")
    page.get_by_label("Sign off although the gaps listed above remain").check()
    page.get_by_role("button", name="Sign off as lead auditor").click()
    signed = page.locator("#signed")
    expect(signed).to_contain_text("Signed by the lead auditor")
    expect(signed).to_contain_text("matches the audit now")
    page.get_by_label("Auditee representative").fill("Eva Bakker")
    page.get_by_role("button", name="Record acknowledgement").click()
    expect(page.locator("#acknowledged")).to_contain_text("Eva Bakker")
    shot(page, "journey-05-closing-signed")

    # 7. A later edit asks before voiding the signature, then voids it.
    open_competence_page(page)
    article = item(page, ITEM_1)
    changed = "Competence matrix QP-07 rev 5 seen after the closing meeting."
    article.get_by_label("Notes", exact=True).fill(changed)
    expect(article.get_by_role("alert")).to_contain_text("voids the signature")
    expect(article.locator(".save-state")).to_have_text("Not saved")
    article.get_by_role("button", name="Save and void the signature").click()
    expect(article.locator(".save-state")).to_have_text(SAVED)
    page.get_by_role("link", name="Closing", exact=True).click()
    expect(page.locator("#sign-off")).not_to_contain_text("Signed by")
    expect(page.get_by_role("button", name="Sign off as lead auditor")).to_be_visible()
    shot(page, "journey-06-signature-voided")

    # 8. The report preview.
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Report", exact=True).click()
    assert navigation.value is not None and navigation.value.status == 200
    body = page.locator("body")
    if "Report preview is being built." not in body.inner_text():
        expect(body).to_contain_text("Brightwater Components")
        expect(body).to_contain_text(STATEMENT)
    shot(page, "journey-07-report")

    # 9. Nothing left the laptop.
    assert hosts(page.requests_seen) == {"127.0.0.1"}
    assert aborted == []


def test_keyboard_moves_between_items_and_to_the_next_unanswered(page, live_field, aborted) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_field.url + "/")
    page.locator("#audit-list").get_by_role("link", name="Brightwater Components").click()
    open_competence_page(page)
    answer(page, ITEM_2, "conforming", "Training records of 5 of 5 drivers seen.")
    first, second, third = (item(page, k) for k in (ITEM_1, ITEM_2, ITEM_3))

    first.locator(".question").click()  # focus leaves the form: keys are shortcuts again
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("j")
    expect(third).to_be_focused()
    page.keyboard.press("j")
    expect(third).to_be_focused()  # stays on the last item
    page.keyboard.press("k")
    expect(second).to_be_focused()

    page.keyboard.press("n")  # from 7.2/2: the next unanswered is 7.2/3
    expect(third).to_be_focused()
    page.keyboard.press("n")  # wraps around, skipping answered 7.2/2
    expect(first).to_be_focused()
    page.keyboard.press("n")
    expect(third).to_be_focused()

    assert hosts(page.requests_seen) == {"127.0.0.1"}
    assert aborted == []
