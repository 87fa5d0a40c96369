"""In Chromium, issue 13 done: the technical review with the evidence, a query answered from
the lead's laptop at sync, acceptance and the release of the report as a PDF.

The lead's laptop (the real field app and sync client, linked to the live CB server) records
two findings with a photo each, signs and submits. In the reviewer's browser: the review page
shows every finding with its photo; the reviewer raises a query on a finding and returns the
audit. In the lead's browser: the laptop syncs, shows the query, the lead answers it and
resubmits. Back with the reviewer: the answer is there, the query is closed, the audit
accepted and its report released; the released PDF downloads, holds every finding and photo,
and its sha256 is the one shown beside it.

Waits only on what a user sees. Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from auditkit import demo
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.models import Finding
from tests.browser.conftest import PATIENCE_MS, LiveServer
from tests.browser.journey_helpers import ready, shot, wait_until
from tests.sync.conftest import TestLaptop, jpeg

pytestmark = pytest.mark.browser

ITEM = "iso9001-2015:7.2/1"
FINDINGS = [  # grade, statement, photo colour seed
    ("minor", "Two welders worked on with an expired qualification.", 3),
    ("ofi", "The training matrix could show planned refresher dates.", 5),
]
QUESTION = "Which welders, and since when had their qualification lapsed?"
ANSWER = "Welders 4 and 7; both lapsed in March and were renewed in the week of the audit."


@pytest.fixture
def cb_server(cb_app, server_engine) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        demo.seed_server(session)
    with LiveServer(cb_app) as server:
        yield server


@pytest.fixture
def lead_laptop(tmp_path: Path, cb_server) -> Iterator[TestLaptop]:  # type: ignore[no-untyped-def]
    laptop = TestLaptop(tmp_path, "anna", cb_server.url).login("auditor1")
    yield laptop
    laptop.close()


@pytest.fixture
def lead_page(browser):  # type: ignore[no-untyped-def]
    """The lead's own browser: another context, no cookie shared with the reviewer's."""
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(PATIENCE_MS)
    yield context.new_page()
    context.close()


def record_and_submit(laptop: TestLaptop) -> list[str]:
    """The team's work, done on the laptop before the review starts; the finding numbers."""
    assert laptop.sync().ok
    laptop.answer(ITEM, notes="Qualification records of the welding shop sampled.")
    for grade, statement, seed in FINDINGS:
        created = laptop.form(
            "/findings/new",
            {
                "grade": grade,
                "clause_refs": "iso9001-2015|7.2",
                "requirement": "7.2",
                "objective_evidence": statement,
                "statement": statement,
                "item_keys": ITEM,
            },
        )
        assert created.status_code == 302, created.get_data(as_text=True)
        with laptop.session() as session:
            finding = session.scalars(select(Finding).where(Finding.statement == statement)).one()
        laptop.post(
            "/photos",
            {
                "finding_id": str(finding.id),
                "owner": "x",
                "photos": [(io.BytesIO(jpeg(seed)), f"finding-{seed}.jpg")],
            },
            content_type="multipart/form-data",
        )
    laptop.post(
        "/closing/conclusion",
        {"recommendation": "certify_after_closure", "conclusion": "Effective once NC closed."},
    )
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    assert laptop.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    summary = laptop.sync()
    assert summary.ok and summary.rejected == 0, summary.rejections
    with laptop.session() as session:
        return sorted(
            f.number for f in session.scalars(select(Finding).where(Finding.audit_id == AUDIT_ID))
        )


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_the_review(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/audits/{AUDIT_ID}")
    page.get_by_role("link", name="Review what the team recorded").click()
    expect(page.locator("#review-panel")).to_be_visible()


def review_sees_every_finding_with_its_photo(page, numbers: list[str]) -> None:  # type: ignore[no-untyped-def]
    findings = page.locator("article.finding")
    expect(findings).to_have_count(len(FINDINGS))
    for _, statement, _ in FINDINGS:
        expect(findings.filter(has_text=statement)).to_have_count(1)
    for number in numbers:
        expect(page.get_by_role("option", name=re.compile(rf"^Finding {number}:"))).to_be_attached()
    thumbs = page.locator(f'img[src*="/audits/{AUDIT_ID}/photos/"]')
    expect(thumbs).to_have_count(len(FINDINGS))
    wait_until(
        page,
        f"() => [...document.querySelectorAll('img[src*=\"/audits/{AUDIT_ID}/photos/\"]')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    # Each thumbnail opens its photo full size.
    full_size = page.locator(f'a[href^="/audits/{AUDIT_ID}/photos/"]:not([href$="/thumbnail"])')
    expect(full_size).to_have_count(len(FINDINGS))
    shot(page, "review-01-evidence")


def raise_a_query_and_return(page, number: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Raise a query about").select_option(
        label=page.get_by_role("option", name=re.compile(rf"^Finding {number}:")).inner_text()
    )
    page.get_by_label("Your question to the team").fill(QUESTION)
    page.get_by_role("button", name="Raise the query").click()
    thread = page.locator("#query-list li.thread")
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text(QUESTION)
    expect(page.locator("#open-query-count")).to_have_text("1 open")
    # Accepting now is refused: the query is open.
    page.get_by_role("button", name="Accept the audit").click()
    expect(page.locator("#review-error")).to_contain_text("1 query is still open")
    page.get_by_label("Return to the team, because").fill("Please answer the query on welders.")
    page.get_by_role("button", name="Return to the team").click()
    expect(page.locator("#round-list")).to_contain_text("Returned to the team")
    expect(page.locator("#round-list")).to_contain_text("Please answer the query on welders.")
    shot(page, "review-02-returned")


def lead_answers_at_sync_and_resubmits(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/sync")
    ready(page)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-result")).to_contain_text("Finished at")
    page.goto(f"{url}/audits/{AUDIT_ID}")
    queries = page.locator("#review-comments")
    expect(queries).to_contain_text("Please answer the query on welders.")
    expect(queries.locator("li.thread")).to_contain_text(QUESTION)
    queries.get_by_label("Your answer").fill(ANSWER)
    queries.get_by_role("button", name="Send the answer at the next sync").click()
    expect(queries.locator("li.reply")).to_contain_text("waiting to be sent")
    shot(page, "review-03-laptop-answer")
    page.goto(f"{url}/audits/{AUDIT_ID}/closing/")
    ready(page)
    page.get_by_label("Submit although the gaps listed above remain").check()
    page.once("dialog", lambda dialog: dialog.accept())  # "Submit the audit to the CB?"
    page.get_by_role("button", name="Submit to the CB").click()
    expect(page.locator("#submission-queued")).to_be_visible()
    page.goto(url + "/sync")
    ready(page)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-result")).to_contain_text("Finished at")
    expect(page.locator("#sync-last")).to_contain_text("everything sent and received")


def close_accept_and_release(page, url: str) -> str:  # type: ignore[no-untyped-def]
    open_the_review(page, url)
    thread = page.locator("#query-list li.thread")
    expect(thread).to_contain_text(ANSWER)
    expect(thread).to_contain_text("answered")
    thread.get_by_role("button", name="Close the query").click()
    expect(page.locator("#query-list li.thread")).to_contain_text("closed by Rosa Reviewer")
    page.get_by_role("button", name="Accept the audit").click()
    expect(page.locator("#round-list")).to_contain_text("Accepted")
    page.get_by_role("button", name="Release the report to the client").click()
    sha = page.locator("#release-1-sha256")
    expect(sha).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    shot(page, "review-04-released")
    return sha.inner_text()


def released_pdf_holds_every_finding_and_photo(page, shown_sha: str, numbers: list[str]) -> None:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.locator("#release-1").get_by_role("link", name=re.compile("PDF")).click()
    data = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == shown_sha
    reader = PdfReader(io.BytesIO(data))
    text = " ".join((p.extract_text() or "") for p in reader.pages)
    text = " ".join(text.split())
    for number in numbers:
        assert number in text
    for _, statement, _ in FINDINGS:
        assert statement in text
    assert sum(len(p.images) for p in reader.pages) >= len(FINDINGS)


def test_review_with_a_query_answered_at_sync_then_accept_and_release(  # type: ignore[no-untyped-def]
    page, lead_page, cb_server, lead_laptop
) -> None:
    numbers = record_and_submit(lead_laptop)
    assert len(numbers) == len(FINDINGS)
    with LiveServer(lead_laptop.client.application) as laptop_server:
        sign_in(page, cb_server.url, "reviewer")
        open_the_review(page, cb_server.url)
        review_sees_every_finding_with_its_photo(page, numbers)
        raise_a_query_and_return(page, numbers[0])

        lead_answers_at_sync_and_resubmits(lead_page, laptop_server.url)

        shown = close_accept_and_release(page, cb_server.url)
        released_pdf_holds_every_finding_and_photo(page, shown, numbers)
