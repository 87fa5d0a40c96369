"""Issue 14 items 1, 5 and 6: the client portal's own sign-in (invited by mail through a real
local SMTP server, a single-use expiring link, the contact's own password), what a contact
sees of their organisation (released reports as HTML and PDF, plans, nonconformities with
their deadlines), disabling, the audit events, and that no organisation sees another's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from auditkit.models import (
    AuditEvent,
    AuditStatus,
    Grade,
    PortalAccount,
    PortalInvitation,
    ReportRelease,
    Role,
)
from auditkit.photostore import PhotoStore
from auditkit.portal import accounts
from auditkit.reports.pdf import pdf_available
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in
from tests.mail_server import LocalSMTP, html_of, text_of

PASSWORD = "purple elephant ladder 42"
LINK = re.compile(r"http://cb\.example(/portal/welcome/[A-Za-z0-9_-]+)")
needs_pdf = pytest.mark.skipif(not pdf_available()[0], reason="WeasyPrint cannot load Pango")


def _staff(cb_app, factory, role: Role = Role.PLANNER):  # type: ignore[no-untyped-def]
    person = factory.user(role)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, person.username).status_code == 302
    return client, person


def _post(client, page: str, url: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _invite(client, contact):  # type: ignore[no-untyped-def]
    org = contact.organisation_id
    return _post(
        client, f"/organisations/{org}", f"/organisations/{org}/contacts/{contact.id}/portal/invite"
    )


def _active_contact(factory, organisation):  # type: ignore[no-untyped-def]
    """A contact of `organisation` with a portal password (invited and accepted directly)."""
    contact = factory.contact(organisation)
    factory.session.flush()
    sent = accounts.invite(ServerWork(factory.session, Actor.system("test")), contact)
    accounts.accept(factory.session, sent.token, PASSWORD, PASSWORD, origin="test")
    factory.commit()
    return contact


def _portal(cb_app, contact):  # type: ignore[no-untyped-def]
    client = cb_app.test_client()
    answer = _post(client, "/portal/login", "/portal/login", email=contact.email, password=PASSWORD)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def _actions(factory) -> list[str]:  # type: ignore[no-untyped-def]
    factory.session.expire_all()
    return [e.action for e in factory.session.scalars(select(AuditEvent).order_by(AuditEvent.at))]


def test_an_invited_contact_follows_the_mailed_link_chooses_a_password_and_is_in(
    smtp_server: LocalSMTP, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    audit = factory.audit()
    contact = audit.organisation.contacts[0]
    staff, planner = _staff(cb_app, factory)
    assert _invite(staff, contact).status_code == 302
    [message] = smtp_server.wait_for(1)
    assert smtp_server.recipients == [[contact.email]]
    assert message["Subject"].startswith("Your access to the client portal of ")
    text = text_of(message)
    assert f"Dear {contact.name}," in text and planner.full_name in text
    path = LINK.search(text).group(1)  # type: ignore[union-attr]
    assert path in html_of(message)
    page = staff.get(f"/organisations/{audit.organisation_id}").get_data(as_text=True)
    assert "Invited, no password yet" in page

    browser = cb_app.test_client()
    welcome = browser.get(path)
    assert welcome.status_code == 200 and contact.email in welcome.get_data(as_text=True)
    weak = _post(browser, path, path, password="short", confirm="short")
    assert weak.status_code == 422 and "at least 12 characters" in weak.get_data(as_text=True)
    differ = _post(browser, path, path, password=PASSWORD, confirm=PASSWORD + "!")
    assert differ.status_code == 422 and "The two passwords differ" in differ.get_data(as_text=True)
    done = _post(browser, path, path, password=PASSWORD, confirm=PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/portal/"
    home = browser.get("/portal/").get_data(as_text=True)
    assert audit.organisation.legal_name in home and contact.name in home
    # The link is used up; the password now signs in, and a wrong one does not.
    again = cb_app.test_client().get(path)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    other = cb_app.test_client()
    wrong = _post(other, "/portal/login", "/portal/login", email=contact.email, password="nope")
    assert wrong.status_code == 401
    assert _portal(cb_app, contact).get("/portal/").status_code == 200
    assert "Active since" in staff.get(f"/organisations/{audit.organisation_id}").get_data(
        as_text=True
    )
    assert {"portal.invite", "portal.activate", "portal.sign_in"} <= set(_actions(factory))
    # A portal session is no staff session, and a staff session no portal one.
    assert browser.get("/").status_code == 302
    assert staff.get("/portal/").status_code == 302


def test_an_expired_or_replaced_link_says_why_and_a_disabled_contact_is_out(
    cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    org = factory.audit().organisation
    contact = factory.contact(org)
    factory.session.flush()
    work = ServerWork(factory.session, Actor.system("test"))
    first = accounts.invite(work, contact)
    second = accounts.invite(work, contact)
    factory.commit()
    browser = cb_app.test_client()
    replaced = browser.get(f"/portal/welcome/{first.token}")
    assert replaced.status_code == 410 and "replaced by a newer one" in replaced.get_data(
        as_text=True
    )
    row = factory.session.get(PortalInvitation, accounts.token_hash(second.token))
    row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    factory.commit()
    expired = browser.get(f"/portal/welcome/{second.token}")
    assert expired.status_code == 410 and "run out" in expired.get_data(as_text=True)

    contact = _active_contact(factory, org)
    portal = _portal(cb_app, contact)
    staff, _ = _staff(cb_app, factory, Role.REVIEWER)
    url = f"/organisations/{org.id}/contacts/{contact.id}/portal/disable"
    assert _post(staff, f"/organisations/{org.id}", url).status_code == 302
    assert portal.get("/portal/").status_code == 302  # the session ended with the account
    refused = _post(
        cb_app.test_client(), "/portal/login", "/portal/login", email=contact.email,
        password=PASSWORD,
    )  # fmt: skip
    assert refused.status_code == 401
    # Invited again, the account is enabled: the new link works.
    account = factory.session.scalars(
        select(PortalAccount).where(PortalAccount.contact_id == contact.id)
    ).one()
    factory.session.refresh(account)
    assert account.disabled_at is not None
    again = accounts.invite(ServerWork(factory.session, Actor.system("test")), contact)
    factory.commit()
    assert cb_app.test_client().get(f"/portal/welcome/{again.token}").status_code == 200
    assert "portal.disable" in _actions(factory)


def test_a_contact_without_an_address_or_with_anothers_cannot_be_invited(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    org = factory.audit().organisation
    first = org.contacts[0]
    nameless = factory.contact(org)
    nameless.email = ""
    twin = factory.contact(org)
    twin.email = first.email.upper()
    factory.session.flush()
    work = ServerWork(factory.session, Actor.system("test"))
    with pytest.raises(accounts.PortalError, match="no usable e-mail address"):
        accounts.invite(work, nameless)
    accounts.invite(work, first)
    with pytest.raises(accounts.PortalError, match="already signs in to the portal"):
        accounts.invite(work, twin)


def _released_audit(cb_app, factory, organisation=None):  # type: ignore[no-untyped-def]
    """An accepted audit with a major (with a photo), a minor and an OFI, released by a
    reviewer through the CB app."""
    audit = factory.audit(
        organisation=organisation, status=AuditStatus.ACCEPTED, lead=factory.auditor(),
        number=f"A-{factory.session.query(ReportRelease).count() + 100}",
    )  # fmt: skip
    major = factory.finding(audit, grade=Grade.MAJOR, number="F1", statement="No calibration.")
    factory.finding(audit, grade=Grade.MINOR, number="F2", statement="Training records gaps.")
    factory.finding(audit, grade=Grade.OFI, number="F3", statement="Label the spare parts.")
    store = PhotoStore(Path(cb_app.config["DATA_DIR"]) / "blobs")
    photo = factory.photo(audit, finding=major, store=store, caption="The gauge rack")
    factory.commit()
    reviewer, _ = _staff(cb_app, factory, Role.REVIEWER)
    answer = _post(reviewer, f"/audits/{audit.id}", f"/audits/{audit.id}/release")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    release = factory.session.scalars(
        select(ReportRelease).where(ReportRelease.audit_id == audit.id)
    ).one()
    return audit, release, photo


@needs_pdf
def test_the_released_report_reaches_the_contacts_by_mail_and_in_the_portal(
    smtp_server: LocalSMTP, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    org = factory.audit().organisation
    contact = _active_contact(factory, org)
    quiet = factory.contact(org)  # invited, never accepted: no mail
    factory.session.flush()
    accounts.invite(ServerWork(factory.session, Actor.system("test")), quiet)
    factory.commit()
    audit, release, photo = _released_audit(cb_app, factory, org)
    [message] = smtp_server.wait_for(1)
    assert smtp_server.recipients == [[contact.email]]
    assert "Audit report for" in message["Subject"]
    text = text_of(message)
    due = (audit.end_date + timedelta(days=30)).isoformat()
    assert "records 2 nonconformities" in text and f"by {due}" in text
    assert f"http://cb.example/portal/audits/{audit.id}" in text

    portal = _portal(cb_app, contact)
    home = portal.get("/portal/").get_data(as_text=True)
    assert f"/portal/releases/{release.id}" in home and "Revision 1" in home
    page = portal.get(f"/portal/audits/{audit.id}").get_data(as_text=True)
    assert release.sha256 in page
    assert "No calibration." in page and "Training records gaps." in page
    assert "Label the spare parts." not in page  # an OFI is no nonconformity
    assert due in page and "Answer due" in page

    report = portal.get(f"/portal/releases/{release.id}")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "No calibration." in html and "Label the spare parts." in html
    photo_url = f"/portal/releases/{release.id}/photos/{photo.sha256}"
    assert f'src="{photo_url}"' in html
    assert f'href="/portal/releases/{release.id}.pdf"' in html
    assert "style-src 'sha256-" in report.headers["Content-Security-Policy"]
    image = portal.get(photo_url)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    download = portal.get(f"/portal/releases/{release.id}.pdf")
    assert download.status_code == 200 and download.data == release.pdf
    listed = portal.get("/portal/nonconformities").get_data(as_text=True)
    assert listed.count('class="nc-awaiting"') == 2
    actions = _actions(factory)
    assert "portal.report_view" in actions and "portal.report_download" in actions


@needs_pdf
def test_no_organisation_sees_another_organisations_records(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    mine, my_release, my_photo = _released_audit(cb_app, factory)
    theirs, their_release, their_photo = _released_audit(cb_app, factory)
    contact = _active_contact(factory, mine.organisation)
    portal = _portal(cb_app, contact)
    routes = (
        "/portal/audits/{audit}",
        "/portal/audits/{audit}/plan",
        "/portal/releases/{release}",
        "/portal/releases/{release}.pdf",
        "/portal/releases/{release}/photos/{sha}",
    )
    for route in routes:
        own = route.format(audit=mine.id, release=my_release.id, sha=my_photo.sha256)
        other = route.format(audit=theirs.id, release=their_release.id, sha=their_photo.sha256)
        assert portal.get(own).status_code == 200, own
        assert portal.get(other).status_code == 404, other
    # Their photo through my release is not mine either.
    crossed = f"/portal/releases/{my_release.id}/photos/{their_photo.sha256}"
    assert portal.get(crossed).status_code == 404
    for page in ("/portal/", "/portal/nonconformities"):
        html = portal.get(page).get_data(as_text=True)
        assert str(mine.id) in html and str(theirs.id) not in html
        assert theirs.organisation.name not in html


def test_the_plan_and_team_are_mailed_to_the_client_with_the_right_to_object(
    smtp_server: LocalSMTP, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(lead=lead)
    representative = audit.organisation.contacts[0]
    portal_contact = _active_contact(factory, audit.organisation)
    staff, _ = _staff(cb_app, factory)
    sent = _post(staff, f"/audits/{audit.id}", f"/audits/{audit.id}/plan/send")
    assert sent.status_code == 302
    messages = smtp_server.wait_for(2)
    assert sorted(r[0] for r in smtp_server.recipients) == sorted(
        [representative.email, portal_contact.email]
    )
    text = text_of(messages[0])
    assert messages[0]["Subject"].startswith("Audit plan: stage 2 audit")
    assert f"{lead.full_name}, Lead auditor" in text
    assert "You may object to the appointment" in text and f"/portal/audits/{audit.id}/plan" in text
    assert "audit.plan_send" in _actions(factory)
