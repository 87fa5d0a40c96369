"""In Chromium, the whole journey of issue 15, from planning the stage 2 to the certificate's
public check, with the real CB server, the real field app and sync, mail to a real local SMTP
server and the signed certificate PDF read back.

The demo's Brightwater stage 1 is held; its stage 2 is planned a fortnight ahead. The planner
plans it for this week. The lead's laptop pulls it; the server stops; the audit is conducted
offline in the field app (a major with a photo, the closing, the sign-off, the submission,
and a sync that cannot reach the server and loses nothing); the server comes back and the
laptop syncs. The reviewer queries the finding and returns the audit; the lead answers on the
laptop and resubmits; the reviewer closes the query, accepts and releases the report. The
client's contact answers the major in the portal with evidence; the reviewer accepts the plan
and verifies it closed. The decision maker grants from the decision file; the contact is told
by mail; the certificate PDF downloads, its QR code's address opens the public check, which
shows the certificate valid.

Waits only on what a user sees. Screenshots go to test-output/browser/whole-*.png.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.serving import make_server

from auditkit import demo
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.mail import Mailer
from auditkit.models import Finding
from auditkit.web.mail import EXTENSION as MAIL
from tests.browser.conftest import PATIENCE_MS, LiveServer
from tests.browser.journey_helpers import follow, landscape_jpeg, ready, shot, wait_until
from tests.browser.test_field_journey import ITEM_2, answer, item, open_competence_page
from tests.browser.test_portal_journey import staff_sign_in, sync
from tests.mail_server import LocalSMTP, text_of
from tests.sync.conftest import TestLaptop

pytestmark = pytest.mark.browser

TODAY = date.today()
STATEMENT = "Two of the five torque wrenches sampled were used past their calibration date."
QUESTION = "Which wrenches, and which products were assembled with them?"
ANSWER = "TW-2 and TW-4; pump batches 4411 to 4415, all re-checked on the test bench."
CONTACT_EMAIL = "eva.bakker@brightwater.example"
EVIDENCE = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class RestartableServer:
    """The CB server on loopback, stopped and started again on the same port (the laptop is
    linked to its address)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.port = 0
        self.server = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            assert self.thread is not None
            self.thread.join()
            self.server = None


@pytest.fixture
def cb(smtp_server: LocalSMTP, cb_app, server_engine) -> Iterator[RestartableServer]:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        demo.seed_server(session)
    server = RestartableServer(cb_app)
    server.start()
    # The mails' links and the certificate's QR code point at this server.
    mailer = cb_app.extensions[MAIL]
    cb_app.extensions[MAIL] = Mailer(
        replace(mailer.settings, public_url=server.url), mailer.cb_name
    )
    yield server
    server.stop()


@pytest.fixture
def lead_laptop(tmp_path: Path, cb) -> Iterator[TestLaptop]:  # type: ignore[no-untyped-def]
    laptop = TestLaptop(tmp_path, "anna", cb.url).login("auditor1")
    yield laptop
    laptop.close()


def _context(browser, **kwargs):  # type: ignore[no-untyped-def]
    context = browser.new_context(**kwargs)
    context.set_default_timeout(PATIENCE_MS)
    return context


def planner_plans_the_stage_2(page, url: str) -> None:  # type: ignore[no-untyped-def]
    staff_sign_in(page, url, "planner")
    page.goto(f"{url}/audits/{AUDIT_ID}")
    page.locator("#replan").click()
    page.get_by_label("First day").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_label("Last day").fill(TODAY.isoformat())
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Changed:")
    shot(page, "whole-01-stage2-planned")


def conduct_offline(page, laptop_url: str, photo: Path) -> None:  # type: ignore[no-untyped-def]
    """The audit in the field app while the CB server is down: a major with a photo, the
    closing, the sign-off and the submission, all kept on the laptop."""
    page.goto(f"{laptop_url}/audits/{AUDIT_ID}")
    ready(page)
    open_competence_page(page)
    answer(page, ITEM_2, "nonconformity", "Calibration list: TW-2 and TW-4 overdue since August.")
    item(page, ITEM_2).get_by_role("link", name="Raise a finding").click()
    page.get_by_label("Grade").select_option("major")
    page.get_by_label("Requirement", exact=True).fill("7.1.5 monitoring and measuring resources")
    page.get_by_label("Objective evidence", exact=True).fill("Wrenches TW-2, TW-4: due in August.")
    page.get_by_label("Statement", exact=True).fill(STATEMENT)
    page.get_by_role("button", name="Raise finding").click()
    expect(page.get_by_text("Finding raised")).to_be_visible()
    ready(page)
    figures = page.locator(".gallery figure.photo")
    page.locator(".gallery form.dropzone input[type=file][multiple]").set_input_files([photo])
    expect(figures).to_have_count(1)
    figures.first.scroll_into_view_if_needed()  # thumbnails load lazily
    wait_until(
        page,
        "() => [...document.querySelectorAll('.gallery figure.photo img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    follow(page, page.get_by_role("link", name="Closing", exact=True))
    page.get_by_label(
        "Recommend granting certification once majors are verified closed and the plans "
        "for minors accepted"
    ).check()
    page.get_by_label("Audit conclusion").fill("Effective once the calibration NC is closed.")
    expect(page.locator("#state-conclusion")).to_contain_text("Saved")
    page.get_by_role("button", name="Sign off as lead auditor").click()
    page.get_by_label("Sign off although the gaps listed above remain").check()
    page.get_by_role("button", name="Sign off as lead auditor").click()
    expect(page.locator("#signed")).to_contain_text("Signed by the lead auditor")
    page.get_by_label("Submit although the gaps listed above remain").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit to the CB").click()
    expect(page.locator("#submission-queued")).to_be_visible()
    # A sync with the server down: it says so, and nothing is lost.
    page.goto(laptop_url + "/sync")
    ready(page)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-error")).to_contain_text("Nothing is lost")
    expect(page.locator("#sync-pending")).not_to_have_text("0")
    shot(page, "whole-02-offline-sync-fails")


def reviewer_queries_and_returns(page, url: str, number: str) -> None:  # type: ignore[no-untyped-def]
    staff_sign_in(page, url, "reviewer")
    page.goto(f"{url}/audits/{AUDIT_ID}")
    page.get_by_role("link", name="Review what the team recorded").click()
    expect(page.locator("#review-panel")).to_be_visible()
    expect(page.locator("article.finding").filter(has_text=STATEMENT)).to_have_count(1)
    expect(page.locator(f'img[src*="/audits/{AUDIT_ID}/photos/"]')).to_have_count(1)
    page.get_by_label("Raise a query about").select_option(
        label=page.get_by_role("option", name=re.compile(rf"^Finding {number}:")).inner_text()
    )
    page.get_by_label("Your question to the team").fill(QUESTION)
    page.get_by_role("button", name="Raise the query").click()
    expect(page.locator("#open-query-count")).to_have_text("1 open")
    page.get_by_label("Return to the team, because").fill(
        "Please answer the query on the wrenches."
    )
    page.get_by_role("button", name="Return to the team").click()
    expect(page.locator("#round-list")).to_contain_text("Returned to the team")
    shot(page, "whole-04-query")


def lead_answers_and_resubmits(page, laptop_url: str) -> None:  # type: ignore[no-untyped-def]
    sync(page, laptop_url)
    page.goto(f"{laptop_url}/audits/{AUDIT_ID}")
    queries = page.locator("#review-comments")
    expect(queries.locator("li.thread")).to_contain_text(QUESTION)
    queries.get_by_label("Your answer").fill(ANSWER)
    queries.get_by_role("button", name="Send the answer at the next sync").click()
    expect(queries.locator("li.reply")).to_contain_text("waiting to be sent")
    page.goto(f"{laptop_url}/audits/{AUDIT_ID}/closing/")
    ready(page)
    page.get_by_label("Submit although the gaps listed above remain").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit to the CB").click()
    expect(page.locator("#submission-queued")).to_be_visible()
    sync(page, laptop_url)
    expect(page.locator("#sync-last")).to_contain_text("everything sent and received")


def reviewer_accepts_and_releases(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/audits/{AUDIT_ID}")
    page.get_by_role("link", name="Review what the team recorded").click()
    thread = page.locator("#query-list li.thread")
    expect(thread).to_contain_text(ANSWER)
    thread.get_by_role("button", name="Close the query").click()
    expect(page.locator("#query-list li.thread")).to_contain_text("closed by Rosa Reviewer")
    page.get_by_role("button", name="Accept the audit").click()
    expect(page.locator("#round-list")).to_contain_text("Accepted")
    page.get_by_role("button", name="Release the report to the client").click()
    expect(page.locator("#release-1-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    shot(page, "whole-05-released")


def contact_answers_with_evidence(page, url: str, evidence: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/portal/login")
    page.get_by_label("E-mail address").fill(CONTACT_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#portal-who")).to_contain_text("Eva Bakker")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nonconformities").click()
    page.get_by_role("link", name=STATEMENT).click()
    page.get_by_label("Correction: what you did about this case").fill(
        "Both wrenches taken out of use and recalibrated; the batches re-checked."
    )
    page.get_by_label("Root cause: why it happened").fill(
        "The calibration list was kept by one person and not checked during her leave."
    )
    page.get_by_label("Corrective action: what prevents it happening again").fill(
        "Calibration due dates in the ERP with a weekly overdue list to the shop manager."
    )
    page.get_by_label("The corrective action is done by (YYYY-MM-DD)").fill(
        (TODAY + timedelta(days=30)).isoformat()
    )
    page.get_by_label(re.compile("^Add a file")).set_input_files(str(evidence))
    page.get_by_role("button", name=re.compile("^Send to ")).click()
    expect(page.locator("#nc-status")).to_have_text("Answer submitted")
    shot(page, "whole-06-portal-answer")


def reviewer_verifies(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/audits/{AUDIT_ID}")
    section = page.locator("#corrective-actions")
    section.get_by_role("button", name="Accept the plan").click()
    section = page.locator("#corrective-actions")
    expect(section).to_contain_text("Plan accepted")
    section.get_by_label("Verified by").select_option("document_review")
    section.get_by_label("What was seen").fill("Calibration certificates of TW-2 and TW-4 seen.")
    section.get_by_role("button", name="Verify and close").click()
    expect(page.locator("#corrective-actions")).to_contain_text("Verified and closed")


def decision_maker_grants(page, url: str) -> str:  # type: ignore[no-untyped-def]
    staff_sign_in(page, url, "decider")
    page.get_by_role("link", name="Decisions").click()
    row = page.locator("#waiting tr").filter(has_text="Brightwater Components")
    row.get_by_role("link", name="Open the decision file").click()
    expect(page.locator("#gates-grant")).to_contain_text("Majors verified closed")
    expect(page.locator("#gates-grant .gate-failed")).to_have_count(0)
    expect(page.locator("#file-nonconformities")).to_contain_text(STATEMENT)
    shot(page, "whole-07-decision-file")
    page.get_by_label("Decision", exact=True).select_option("grant")
    page.get_by_label("Reasons").fill(
        "Stage 1 and 2 held; the major on calibration is verified closed; the team "
        "recommends certification."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", name="Certification granted")).to_be_visible()
    number = page.locator("#decision-certificate a").inner_text()
    assert re.fullmatch(r"AK-QMS-\d{4}-\d{5}", number), number
    shot(page, "whole-08-granted")
    return number


def certificate_qr_opens_the_public_check(page, url: str, number: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#decision-certificate a").click()
    expect(page.locator("#certificate-state")).to_have_text("valid")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the signed PDF").click()
    data = Path(info.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = " ".join((reader.pages[0].extract_text() or "").split())
    assert number in text and "Brightwater Components B.V." in text and "ISO 9001" in text
    codes = [
        c.text for image in reader.pages[0].images for c in zxingcpp.read_barcodes(image.image)
    ]
    assert codes == [f"{url}/verify/{number}"], codes
    public = page.context.new_page()
    public.goto(codes[0])
    expect(public.get_by_text(number).first).to_be_visible()
    expect(public.locator("body")).to_contain_text("valid")
    expect(public.locator("body")).to_contain_text("Brightwater Components B.V.")
    shot(public, "whole-09-public-check")
    public.close()


def test_from_the_stage_2_plan_to_the_certificate_s_public_check(  # type: ignore[no-untyped-def]
    browser, smtp_server, cb, lead_laptop, tmp_path
) -> None:
    evidence = tmp_path / "calibration-certificates.pdf"
    evidence.write_bytes(EVIDENCE)
    photo = landscape_jpeg(tmp_path / "torque-wrench.jpg", "darkorange")
    staff, lead, contact = (
        _context(browser, accept_downloads=True),
        _context(browser),
        _context(browser),
    )
    try:
        staff_page, lead_page, contact_page = staff.new_page(), lead.new_page(), contact.new_page()
        planner_plans_the_stage_2(staff_page, cb.url)
        with LiveServer(lead_laptop.client.application) as laptop:
            sync(lead_page, laptop.url)
            lead_page.goto(laptop.url + "/")
            expect(lead_page.locator(f'#audit-list a[href*="{AUDIT_ID}"]')).to_be_visible()
            cb.stop()
            conduct_offline(lead_page, laptop.url, photo)
            cb.start()
            lead_page.goto(laptop.url + "/sync")
            ready(lead_page)
            lead_page.get_by_role("button", name="Try again").click()
            expect(lead_page.locator("#sync-result")).to_contain_text("Finished at")
            expect(lead_page.locator("#sync-last")).to_contain_text("everything sent and received")
            expect(lead_page.locator("#sync-pending")).to_have_text("0")
            shot(lead_page, "whole-03-synced-when-back")
            with make_session_factory(lead_laptop.engine)() as session:
                [number] = [
                    f.number
                    for f in session.scalars(select(Finding).where(Finding.audit_id == AUDIT_ID))
                ]
            staff.clear_cookies()
            reviewer_queries_and_returns(staff_page, cb.url, number)
            lead_answers_and_resubmits(lead_page, laptop.url)
        reviewer_accepts_and_releases(staff_page, cb.url)
        contact_answers_with_evidence(contact_page, cb.url, evidence)
        reviewer_verifies(staff_page, cb.url)
        staff.clear_cookies()
        number = decision_maker_grants(staff_page, cb.url)
        decided = smtp_server.wait_for_subject("Certification decision")
        assert "granted" in decided["Subject"] and number in text_of(decided)
        assert CONTACT_EMAIL in str(decided["To"])
        certificate_qr_opens_the_public_check(staff_page, cb.url, number)
        contact_page.goto(cb.url + "/portal/certificates")
        expect(contact_page.locator("#certificates")).to_contain_text(number)
        shot(contact_page, "whole-10-portal-certificate")
    finally:
        for context in (staff, lead, contact):
            context.close()
