"""Issue 14 item 4: deadlines as CB policy (configuration), requests for more time granted or
refused with the reason, reminders and overdue notices queued once each by
`auditkit mail remind`, and overdue shown on the portal and the CB's dashboard."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from auditkit import corrective_actions as capa
from auditkit.cli import main
from auditkit.corrective_actions import deadlines
from auditkit.models import AuditStatus, AuditType, Grade, MailMessage, ReportRelease, Role
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in
from tests.mail_server import LocalSMTP, text_of
from tests.test_portal import _active_contact, _portal, _post

PDF = b"%PDF-1.7\n%%EOF\n"


def _released(factory, *, ended: date, grade: Grade = Grade.MAJOR, kind=AuditType.STAGE2):  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(
        status=AuditStatus.REPORT_RELEASED, lead=lead, audit_type=kind,
        start=ended - timedelta(days=1), days=2,
    )  # fmt: skip
    finding = factory.finding(audit, grade=grade, number="F1", statement="Gauges overdue.")
    factory.session.add(
        ReportRelease(audit_id=audit.id, revision=1, review_round=1,
                      sha256=hashlib.sha256(PDF).hexdigest(), size=len(PDF), pdf=PDF)
    )  # fmt: skip
    contact = _active_contact(factory, audit.organisation)
    return audit, finding, contact, lead


def test_the_policy_is_configuration_with_named_errors() -> None:
    assert deadlines.policy({}) == deadlines.Policy(30, 90, 6, 3, 7)
    assert deadlines.policy({"AUDITKIT_CAPA_ANSWER_DAYS": "45"}).answer_days == 45
    with pytest.raises(deadlines.PolicyError, match="AUDITKIT_CAPA_ANSWER_DAYS is 'soon'"):
        deadlines.policy({"AUDITKIT_CAPA_ANSWER_DAYS": "soon"})
    with pytest.raises(deadlines.PolicyError, match="give 1 to 3650"):
        deadlines.policy({"AUDITKIT_CAPA_REMIND_DAYS": "0"})
    assert deadlines.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert deadlines.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_each_grade_gets_its_deadlines(factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ended = date(2026, 11, 20)
    audit, major, *_ = _released(factory, ended=ended)
    minor = factory.finding(audit, grade=Grade.MINOR)
    rules = deadlines.policy({})
    due = deadlines.deadlines(factory.session, audit, major, rules)
    assert due.answer == ended + timedelta(days=30)
    assert due.verify == ended + timedelta(days=90)  # sooner than 6 months after the stage 2
    longer = deadlines.policy({"AUDITKIT_CAPA_MAJOR_VERIFY_DAYS": "300"})
    capped = deadlines.deadlines(factory.session, audit, major, longer)
    assert capped.verify == date(2027, 5, 20) and "6 months after the stage 2" in capped.verify_rule
    assert deadlines.deadlines(factory.session, audit, minor, rules).verify is None
    interim, deviation, *_ = _released(
        factory, ended=ended, grade=Grade.DEVIATION, kind=AuditType.SURVEILLANCE
    )
    vca = deadlines.deadlines(factory.session, interim, deviation, rules)
    assert vca.verify == date(2027, 2, 20) and "VCA" in vca.verify_rule


def test_more_time_is_asked_in_the_portal_and_granted_or_refused_with_the_reason(
    smtp_server: LocalSMTP, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    audit, finding, contact, lead = _released(factory, ended=today - timedelta(days=3))
    due = today - timedelta(days=3) + timedelta(days=30)
    portal = _portal(cb_app, contact)
    page = f"/portal/nonconformities/{finding.id}"
    ask = f"{page}/extension"
    early = _post(portal, page, ask, until=due.isoformat(), extension_reason="Holidays.")
    assert early.status_code == 422 and "after the current deadline" in early.get_data(as_text=True)
    no_reason = _post(portal, page, ask, until=(due + timedelta(days=14)).isoformat())
    html = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 422 and "Say why you need more time" in html
    later = (due + timedelta(days=14)).isoformat()
    why = "The calibration lab is closed until January."
    assert _post(portal, page, ask, until=later, extension_reason=why).status_code == 302
    assert "waiting for an answer" in portal.get(page).get_data(as_text=True)

    staff = cb_app.test_client()
    assert sign_in(staff, lead.username).status_code == 302
    audit_page = staff.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "calibration lab is closed" in audit_page
    [request] = capa.extensions.requests(factory.session, finding)
    decide = f"/audits/{audit.id}/extensions/{request.id}/decide"
    token = csrf_from(audit_page)
    refused = staff.post(decide, data={"csrf_token": token, "verdict": "refuse"})
    assert refused.status_code == 422
    assert "Say why the request is refused" in refused.get_data(as_text=True)
    assert staff.post(decide, data={"csrf_token": token, "verdict": "grant"}).status_code == 302
    [granted] = smtp_server.wait_for(1)
    assert f"until {later}" in granted["Subject"] and later in text_of(granted)
    assert f'<dd id="nc-due">{later}' in portal.get(page).get_data(as_text=True)
    # A second request, refused with the reason: the deadline stays.
    _post(portal, page, ask, until=(due + timedelta(days=40)).isoformat(), extension_reason="More.")
    factory.session.expire_all()
    second = capa.extensions.open_request(factory.session, finding)
    decide = f"/audits/{audit.id}/extensions/{second.id}/decide"
    staff.post(decide, data={"csrf_token": token, "verdict": "refuse", "reason": "Long enough."})
    refusal = smtp_server.wait_for(2)[1]
    assert "No more time" in refusal["Subject"] and "Long enough." in text_of(refusal)
    assert f'<dd id="nc-due">{later}' in portal.get(page).get_data(as_text=True)


def test_reminders_and_overdue_notices_go_once_each(server_db_url, factory) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    # Ended 25 days ago: the answer is due in 5 days, within the 7 days of a reminder.
    audit, finding, contact, _ = _released(factory, ended=today - timedelta(days=25))
    factory.commit()
    runner = CliRunner()
    first = runner.invoke(main, ["mail", "remind"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 reminders and 0 overdue notices queued")
    assert runner.invoke(main, ["mail", "remind"]).output.startswith("0 reminders and 0")
    later = (today + timedelta(days=6)).isoformat()
    overdue = runner.invoke(main, ["mail", "remind", "--today", later])
    assert overdue.output.startswith("0 reminders and 1 overdue notices queued")
    factory.session.expire_all()
    kinds = [
        m.kind
        for m in factory.session.scalars(select(MailMessage).order_by(MailMessage.created_at))
    ]
    assert kinds == ["deadline_reminder", "deadline_overdue"]
    # Once the plan is accepted, the major's verification deadline is what is reminded.
    by = contact.name
    plan = capa.AnswerInput("c", "r", "a", (today + timedelta(days=60)).isoformat())
    capa.save_draft(factory.session, finding, plan, by=by)
    capa.submit(factory.session, finding, by=by, today=today)
    work = ServerWork(factory.session, Actor.system("t"))
    capa.judge_plan(work, capa.of(factory.session, finding), 1, accept=True, reason="")
    factory.commit()
    late = (today + timedelta(days=70)).isoformat()  # past the 90 days after the closing
    notice = runner.invoke(main, ["mail", "remind", "--today", late])
    assert notice.output.startswith("0 reminders and 1 overdue notices queued")
    factory.session.expire_all()
    newest = factory.session.scalars(
        select(MailMessage).order_by(MailMessage.created_at.desc())
    ).first()
    assert "evidence that the corrective action was done" in newest.text_body


def test_overdue_shows_on_the_portal_and_on_the_staff_dashboard(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, finding, contact, lead = _released(factory, ended=date.today() - timedelta(days=40))
    planner = factory.user(Role.PLANNER)
    factory.commit()
    portal = _portal(cb_app, contact)
    listed = portal.get("/portal/nonconformities").get_data(as_text=True)
    assert 'class="nc-overdue"' in listed and "Answer overdue" in listed
    staff = cb_app.test_client()
    sign_in(staff, planner.username)
    dashboard = staff.get("/").get_data(as_text=True)
    assert 'id="overdue-list"' in dashboard and "answer, due" in dashboard
    auditor = cb_app.test_client()
    sign_in(auditor, lead.username)
    assert 'id="overdue-list"' not in auditor.get("/").get_data(as_text=True)
