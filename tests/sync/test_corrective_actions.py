"""Issue 14 item 3 on a real server: the client's answer and evidence reach the lead's laptop
at sync (the evidence bytes too); the lead judges offline, a queued change naming the revision
read; a judgement of a revision the client has replaced since is refused as a conflict and
shown to the lead; the result reaches the portal, and the client is told by mail."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import (
    AppliedMutation,
    Audit,
    AuditStatus,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    ReportRelease,
)
from auditkit.unit_of_work import Actor, ServerWork
from tests.mail_server import LocalSMTP
from tests.test_corrective_actions import LATER, PDF, _upload
from tests.test_portal import _active_contact, _portal, _post


def _released_with_a_major(factory) -> Finding:  # type: ignore[no-untyped-def]
    audit = factory.session.get(Audit, AUDIT_ID)
    finding = factory.finding(audit, grade=Grade.MAJOR, number="F1", statement="No calibration.")
    audit.status = AuditStatus.REPORT_RELEASED
    factory.session.add(
        ReportRelease(
            audit_id=audit.id, revision=1, review_round=1, sha256=hashlib.sha256(PDF).hexdigest(),
            size=len(PDF), pdf=PDF,
        )
    )  # fmt: skip
    factory.commit()
    return finding


def _server_ca(engine, finding) -> CorrectiveAction:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        row = session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.finding_id == finding.id)
        ).one()
        session.expunge(row)
        return row


def test_the_lead_judges_offline_and_a_stale_judgement_is_a_conflict(  # type: ignore[no-untyped-def]
    smtp_server: LocalSMTP, laptops, server_engine, cb_app, factory
) -> None:
    finding = _released_with_a_major(factory)
    contact = _active_contact(factory, factory.session.get(Audit, AUDIT_ID).organisation)
    portal = _portal(cb_app, contact)
    page = f"/portal/nonconformities/{finding.id}"
    answer = {"correction": "Gauges recalibrated.", "root_cause": "No owner for the plan.",
              "action": "Calibration plan in the ERP.", "action_due": LATER}  # fmt: skip
    assert _upload(portal, finding, "calibration.pdf", PDF).status_code == 302
    assert _post(portal, page, page, do="submit", **answer).status_code == 302
    ca = _server_ca(server_engine, finding)

    anna = laptops("anna").login("auditor1")
    summary = anna.sync()
    assert summary.ok, summary.error
    capa_page = f"/audits/{AUDIT_ID}/corrective-actions/"
    html = anna.client.get(capa_page).get_data(as_text=True)
    assert "No owner for the plan." in html and "calibration.pdf" in html
    assert f'id="capa-{ca.id}-deadlines"' in html and "Answer due" in html  # the CB's policy
    assert f'id="capa-{ca.id}-accept"' in html
    with anna.session() as session:
        [file_id] = session.scalars(select(CorrectiveAction)).one().revisions[0].files
        file_id = file_id.id
    evidence = anna.client.get(f"/audits/{AUDIT_ID}/corrective-actions/evidence/{file_id}")
    assert evidence.status_code == 200 and evidence.data == PDF  # read offline

    # Offline, the lead accepts revision 1; meanwhile a reviewer sends it back and the client
    # sends revision 2. The lead's judgement of revision 1 is then refused as a conflict.
    accept = anna.form(f"/corrective-actions/{ca.id}/judge", {"revision": "1", "verdict": "accept"})
    assert accept.status_code == 302
    assert "is waiting to be sent" in anna.client.get(capa_page).get_data(as_text=True)
    with make_session_factory(server_engine)() as session:
        from auditkit import corrective_actions as capa

        row = session.get(CorrectiveAction, ca.id)
        capa.judge_plan(ServerWork(session, Actor.system("test")), row, 1, accept=False,
                        reason="Name who owns the plan now.")  # fmt: skip
        session.commit()
    answer["root_cause"] = "The quality engineer left; nobody took the plan over."
    assert _post(portal, page, page, do="submit", **answer).status_code == 302
    summary = anna.sync()
    assert summary.rejected == 1 and summary.rejections[0]["code"] == "conflict"
    html = anna.client.get(capa_page).get_data(as_text=True)
    assert "The server refused your judgement" in html and "sent revision 2" in html
    assert "nobody took the plan over" in html  # revision 2 came down in the same sync
    assert _server_ca(server_engine, finding).status == CorrectiveActionStatus.SUBMITTED

    # The lead accepts revision 2; the client sends evidence; the lead verifies it.
    assert anna.form(f"/corrective-actions/{ca.id}/judge",
                     {"revision": "2", "verdict": "accept"}).status_code == 302  # fmt: skip
    assert anna.sync().ok
    assert _server_ca(server_engine, finding).status == CorrectiveActionStatus.PLAN_ACCEPTED
    assert "Plan accepted" in portal.get(page).get_data(as_text=True)
    assert _post(portal, page, page, do="submit", note="Certificates attached.").status_code == 422
    assert _upload(portal, finding, "certificates.pdf", PDF + b"%2").status_code == 302
    assert _post(portal, page, page, do="submit", note="Certificates attached.").status_code == 302
    assert anna.sync().ok
    review = {"revision": "3", "method": "document_review", "note": "Seen."}
    verified = anna.form(f"/corrective-actions/{ca.id}/verify", review)
    assert verified.status_code == 302
    assert anna.sync().ok
    closed = _server_ca(server_engine, finding)
    assert closed.status == CorrectiveActionStatus.VERIFIED_CLOSED
    assert closed.verified_by_name == "Anna de Vries"
    assert "Verified closed" in portal.get(page).get_data(as_text=True)
    assert anna.sync().ok
    assert "Verified and closed by Anna de Vries" in anna.client.get(capa_page).get_data(
        as_text=True
    )
    # The demo's Eva Bakker has portal access too: each judgement goes to both contacts.
    subjects = [m["Subject"] for m in smtp_server.wait_for(7)]
    assert any("is accepted" in s for s in subjects) and any("is closed" in s for s in subjects)
    with make_session_factory(server_engine)() as session:  # the conflict is on record
        refused = session.scalars(
            select(AppliedMutation).where(AppliedMutation.status == "rejected")
        ).one()
        assert (refused.name, refused.code) == ("capa.judge.v1", "conflict")


def test_the_laptop_shows_deadlines_and_an_extension_granted_moves_them(  # type: ignore[no-untyped-def]
    laptops, server_engine, factory
) -> None:
    from datetime import date, timedelta

    from auditkit.corrective_actions import extensions

    finding = _released_with_a_major(factory)
    audit = factory.session.get(Audit, AUDIT_ID)
    audit.start_date = date.today() - timedelta(days=41)
    audit.end_date = date.today() - timedelta(days=40)
    factory.commit()
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    page = f"/audits/{AUDIT_ID}/corrective-actions/"
    html = anna.client.get(page).get_data(as_text=True)
    was_due = (audit.end_date + timedelta(days=30)).isoformat()
    assert f"Answer due {was_due}" in html and "overdue" in html and "No answer yet" in html

    later = date.today() + timedelta(days=20)
    asked = extensions.ask(
        factory.session, finding, until=later.isoformat(), reason="Lab closed.", by="Eva",
        due=audit.end_date + timedelta(days=30), today=date.today(),
    )  # fmt: skip
    extensions.decide(ServerWork(factory.session, Actor.system("t")), asked, grant=True, reason="")
    factory.commit()
    assert anna.sync().ok
    html = anna.client.get(page).get_data(as_text=True)
    assert f"Answer due {later.isoformat()}" in html
    assert "Answer due " + later.isoformat() + " <strong" not in html  # no longer overdue
