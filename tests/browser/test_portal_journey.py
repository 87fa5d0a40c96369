"""In Chromium, issue 14 done: the client's contact is invited by mail (a real local SMTP
server), follows the link, chooses a password and answers a major nonconformity with evidence;
the lead's laptop receives it at sync and accepts the plan offline; after the next sync a
reviewer verifies the evidence; the nonconformity shows closed on the portal and on the laptop,
and the mail of each step arrived.

The audit's report is released beforehand (the review journey covers the release). Waits only
on what a user sees. Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auditkit import demo
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, ORGANISATION_ID, demo_id
from auditkit.mail import Mailer
from auditkit.models import Audit, AuditStatus, Finding, FindingClause, Grade, ReportRelease
from auditkit.web.mail import EXTENSION as MAIL
from tests.browser.conftest import PATIENCE_MS, LiveServer
from tests.browser.journey_helpers import ready, shot
from tests.mail_server import LocalSMTP, text_of
from tests.sync.conftest import TestLaptop

pytestmark = pytest.mark.browser

CONTACT_ID = demo_id("contact:brightwater:qm")  # Eva Bakker, quality manager
STATEMENT = "Two of the five torque wrenches were used past their calibration date."
PASSWORD = "copper kettle harbour 19"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cb_server(smtp_server: LocalSMTP, cb_app, server_engine) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        demo.seed_server(session)
        audit = session.get(Audit, AUDIT_ID)
        finding = Finding(
            audit_id=audit.id, local_number=1, number="F1", grade=Grade.MAJOR,
            objective_evidence="Wrenches TW-2 and TW-4: calibration due in August.",
            statement=STATEMENT, version=1,
        )  # fmt: skip
        finding.clauses.append(FindingClause(checklist_id="iso9001-2015", clause_number="7.1.5"))
        session.add(finding)
        audit.status = AuditStatus.REPORT_RELEASED
        session.add(
            ReportRelease(
                audit_id=audit.id, revision=1, review_round=1,
                sha256=hashlib.sha256(PDF).hexdigest(), size=len(PDF), pdf=PDF,
            )
        )  # fmt: skip
    with LiveServer(cb_app) as server:
        # Links in the mails point at this server, as AUDITKIT_PUBLIC_URL would in production.
        mailer = cb_app.extensions[MAIL]
        cb_app.extensions[MAIL] = Mailer(
            replace(mailer.settings, public_url=server.url), mailer.cb_name
        )
        yield server


@pytest.fixture
def lead_laptop(tmp_path: Path, cb_server) -> Iterator[TestLaptop]:  # type: ignore[no-untyped-def]
    laptop = TestLaptop(tmp_path, "anna", cb_server.url).login("auditor1")
    yield laptop
    laptop.close()


def _context(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    context.set_default_timeout(PATIENCE_MS)
    return context


def staff_sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def invite_the_contact(page, url: str, smtp: LocalSMTP) -> str:  # type: ignore[no-untyped-def]
    staff_sign_in(page, url, "planner")
    page.goto(f"{url}/organisations/{ORGANISATION_ID}")
    page.locator(f"#invite-{CONTACT_ID}").click()
    expect(page.get_by_role("status")).to_contain_text("An invitation to the client portal")
    shot(page, "portal-01-invited")
    [mail] = smtp.wait_for(1)
    assert mail["Subject"].startswith("Your access to the client portal")
    link = re.search(r"http://127\.0\.0\.1:\d+/portal/welcome/\S+", text_of(mail))
    assert link, text_of(mail)
    return link.group(0)


def choose_a_password_and_answer(page, link: str, evidence: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(link)
    expect(page.locator("#welcome-email")).to_have_text("eva.bakker@brightwater.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign in").click()
    expect(page.locator("#portal-who")).to_contain_text("Eva Bakker")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nonconformities").click()
    page.get_by_role("link", name=STATEMENT).click()
    expect(page.locator("#nc-status")).to_have_text("Answer due")
    page.get_by_label("Correction: what you did about this case").fill(
        "Both wrenches taken out of use and recalibrated on 2 December."
    )
    page.get_by_label("Root cause: why it happened").fill(
        "The calibration list was kept by one person and not checked during her leave."
    )
    page.get_by_label("Corrective action: what prevents it happening again").fill(
        "Calibration due dates now in the ERP with a weekly overdue list to the shop manager."
    )
    page.get_by_label("The corrective action is done by (YYYY-MM-DD)").fill("2027-01-31")
    page.get_by_label(re.compile("^Add a file")).set_input_files(str(evidence))
    page.get_by_role("button", name=re.compile("^Send to ")).click()
    expect(page.locator("#nc-status")).to_have_text("Answer submitted")
    expect(page.locator("#revision-1")).to_contain_text("calibration-certificates.pdf")
    shot(page, "portal-02-answered")


def sync(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Sync now, and wait for this run's result (the page shows the last run's until then)."""
    page.goto(url + "/sync")
    ready(page)
    result = page.locator("#sync-result")
    before = result.get_attribute("data-finished") if result.count() else None
    page.get_by_role("button", name="Sync now").click()
    if before:
        expect(result).not_to_have_attribute("data-finished", before)
    expect(result).to_contain_text("Finished at")


def lead_accepts_the_plan_offline(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sync(page, url)
    page.goto(f"{url}/audits/{AUDIT_ID}/corrective-actions/")
    article = page.locator("article.capa")
    expect(article).to_contain_text("ERP with a weekly overdue list")
    expect(article.get_by_role("link", name="calibration-certificates.pdf")).to_be_visible()
    article.get_by_role("button", name="Accept the plan").click()
    expect(page.locator("article.capa")).to_contain_text("is waiting to be sent")
    shot(page, "portal-03-laptop-accepts")
    sync(page, url)
    expect(page.locator("#sync-last")).to_contain_text("everything sent and received")


def reviewer_verifies_the_evidence(page, url: str) -> None:  # type: ignore[no-untyped-def]
    staff_sign_in(page, url, "reviewer")
    page.goto(f"{url}/audits/{AUDIT_ID}")
    section = page.locator("#corrective-actions")
    expect(section).to_contain_text("Plan accepted")
    expect(section).to_contain_text("Accepted by Anna de Vries")
    section.get_by_label("Verified by").select_option("document_review")
    section.get_by_label("What was seen").fill("Calibration certificates of TW-2 and TW-4 seen.")
    section.get_by_role("button", name="Verify and close").click()
    expect(page.locator("#corrective-actions")).to_contain_text("Verified and closed")
    shot(page, "portal-04-verified")


def test_invitation_answer_offline_acceptance_verification_and_closure(  # type: ignore[no-untyped-def]
    browser, smtp_server, cb_server, lead_laptop, tmp_path
) -> None:
    evidence = tmp_path / "calibration-certificates.pdf"
    evidence.write_bytes(PDF)
    assert lead_laptop.sync().ok
    staff, contact, lead = _context(browser), _context(browser), _context(browser)
    try:
        staff_page, contact_page, lead_page = staff.new_page(), contact.new_page(), lead.new_page()
        link = invite_the_contact(staff_page, cb_server.url, smtp_server)
        choose_a_password_and_answer(contact_page, link, evidence)
        assert "sent an answer for F1" in smtp_server.wait_for(2)[1]["Subject"]
        assert smtp_server.recipients[1] == ["auditor1@cb.example"]
        with LiveServer(lead_laptop.client.application) as laptop_server:
            lead_accepts_the_plan_offline(lead_page, laptop_server.url)
            assert "is accepted" in smtp_server.wait_for(3)[2]["Subject"]
            reviewer_verifies_the_evidence(staff.new_page(), cb_server.url)
            closed = smtp_server.wait_for(4)[3]
            assert "F1 is closed" in closed["Subject"] and "document review" in text_of(closed)
            contact_page.reload()
            expect(contact_page.locator("#nc-status")).to_have_text("Verified closed")
            expect(contact_page.locator("#nc-closed")).to_contain_text("Rosa Reviewer")
            shot(contact_page, "portal-05-closed-in-portal")
            sync(lead_page, laptop_server.url)
            lead_page.goto(f"{laptop_server.url}/audits/{AUDIT_ID}/corrective-actions/")
            expect(lead_page.locator("article.capa")).to_contain_text(
                "Verified and closed by Rosa Reviewer"
            )
            shot(lead_page, "portal-06-closed-on-laptop")
        assert all(r == ["eva.bakker@brightwater.example"] for r in smtp_server.recipients[2:])
    finally:
        for context in (staff, contact, lead):
            context.close()
