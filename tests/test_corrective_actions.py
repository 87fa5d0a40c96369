"""Issue 14 items 2 and 3 (server side): a contact answers a nonconformity in the portal (a
draft kept as typed, evidence files checked by their bytes, revisions kept), the lead auditor
or a reviewer judges the plan (a stale judgement is a conflict), verifies the evidence and
closes it; every step writes an event, and the mails of each step arrive (aiosmtpd)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from auditkit import corrective_actions as capa
from auditkit.models import (
    AuditEvent,
    AuditStatus,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    ReportRelease,
    Role,
    TeamRole,
)
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in
from tests.mail_server import LocalSMTP, text_of
from tests.test_portal import _active_contact, _portal, _post, needs_pdf

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LATER = (date.today() + timedelta(days=60)).isoformat()


def _released(factory, grade: Grade = Grade.MAJOR):  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    teammate = factory.auditor()
    audit = factory.audit(
        status=AuditStatus.REPORT_RELEASED, lead=lead, members=[(teammate, TeamRole.AUDITOR)],
    )  # fmt: skip
    finding = factory.finding(audit, grade=grade, number="F1", statement="No calibration.")
    factory.session.add(
        ReportRelease(
            audit_id=audit.id, revision=1, review_round=1, sha256=hashlib.sha256(PDF).hexdigest(),
            size=len(PDF), pdf=PDF,
        )
    )  # fmt: skip
    contact = _active_contact(factory, audit.organisation)
    return audit, finding, contact, lead, teammate


def _staff(cb_app, person):  # type: ignore[no-untyped-def]
    client = cb_app.test_client()
    assert sign_in(client, person.username).status_code == 302
    return client


def _cb_post(client, audit, url: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _ca(factory, finding) -> CorrectiveAction:  # type: ignore[no-untyped-def]
    factory.session.expire_all()
    return factory.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.finding_id == finding.id)
    ).one()


def _upload(portal, finding, name: str, data: bytes):  # type: ignore[no-untyped-def]
    page = f"/portal/nonconformities/{finding.id}"
    token = csrf_from(portal.get(page).get_data(as_text=True))
    return portal.post(
        f"{page}/files",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_major_goes_from_draft_to_verified_closed_with_every_revision_kept(
    smtp_server: LocalSMTP, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    audit, finding, contact, lead, teammate = _released(factory)
    portal = _portal(cb_app, contact)
    page = f"/portal/nonconformities/{finding.id}"
    assert "No calibration." in portal.get(page).get_data(as_text=True)

    # A draft keeps what was typed; sending it incomplete says what is missing, beside it.
    saved = _post(portal, page, page, do="save", correction="Gauges recalibrated.")
    assert saved.status_code == 302
    assert "Gauges recalibrated." in portal.get(page).get_data(as_text=True)
    incomplete = _post(portal, page, page, do="submit", correction="Gauges recalibrated.",
                       action="Calibration plan in the ERP.", action_due=LATER)  # fmt: skip
    html = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 422 and "Write the root cause you found" in html
    assert 'id="root_cause-error"' in html and "Calibration plan in the ERP." in html
    bad_date = _post(portal, page, page, do="submit", correction="c", root_cause="r",
                     action="a", action_due="31/01/2027")  # fmt: skip
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.get_data(as_text=True)
    answer = {"correction": "Gauges recalibrated.", "root_cause": "No owner for the plan.",
              "action": "Calibration plan in the ERP.", "action_due": LATER}  # fmt: skip
    assert _post(portal, page, page, do="submit", **answer).status_code == 302
    assert _ca(factory, finding).status == CorrectiveActionStatus.SUBMITTED
    [received] = smtp_server.wait_for(1)
    assert smtp_server.recipients[0] == [lead.email] and "F1" in received["Subject"]
    # Nothing more to send while the CB looks at it.
    assert _post(portal, page, page, do="submit", **answer).status_code == 422

    # The lead rejects it (a reason is needed), the contact revises, the lead accepts.
    lead_client = _staff(cb_app, lead)
    ca = _ca(factory, finding)
    judge = f"/audits/{audit.id}/corrective-actions/{ca.id}/judge"
    assert f'id="capa-{ca.id}"' in lead_client.get(f"/audits/{audit.id}").get_data(as_text=True)
    no_reason = _cb_post(lead_client, audit, judge, revision="1", verdict="reject")
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    _cb_post(lead_client, audit, judge, revision="1", verdict="reject",
             reason="The cause names no reason why the plan had no owner.")  # fmt: skip
    assert _ca(factory, finding).status == CorrectiveActionStatus.PLAN_REJECTED
    rejected = smtp_server.wait_for(2)[1]
    assert smtp_server.recipients[1] == [contact.email]
    assert "had no owner" in text_of(rejected)
    revised = portal.get(page).get_data(as_text=True)
    assert "Not accepted: The cause names" in revised and "Gauges recalibrated." in revised
    answer["root_cause"] = "The quality engineer left and nobody took over the plan."
    assert _post(portal, page, page, do="submit", **answer).status_code == 302
    stale = _cb_post(lead_client, audit, judge, revision="1", verdict="accept")
    assert stale.status_code == 409 and "sent revision 2" in stale.get_data(as_text=True)
    assert _cb_post(lead_client, audit, judge, revision="2", verdict="accept").status_code == 302
    assert _ca(factory, finding).status == CorrectiveActionStatus.PLAN_ACCEPTED
    assert "sent an answer" in smtp_server.wait_for(3)[2]["Subject"]  # revision 2, to the lead
    assert "is accepted" in smtp_server.wait_for(4)[3]["Subject"]

    # Evidence: the type is read from the bytes, whatever the name says.
    refused = _upload(portal, finding, "certificate.pdf", b"MZ\x90\x00" + b"\0" * 400)
    assert refused.status_code == 422 and "not a file we accept" in refused.get_data(as_text=True)
    assert _upload(portal, finding, "../../calibration.pdf", PDF).status_code == 302
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(photo, "JPEG")
    assert _upload(portal, finding, "rack.jpg", photo.getvalue()).status_code == 302
    assert _post(portal, page, page, do="submit", note="Both gauges done.").status_code == 302
    ca = _ca(factory, finding)
    assert ca.status == CorrectiveActionStatus.EVIDENCE_SUBMITTED and ca.submitted_revision == 3
    files = ca.revisions[-1].files
    assert [f.filename for f in files] == ["calibration.pdf", "rack.jpg"]
    assert files[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert files[0].media_type == "application/pdf"

    # A teammate who is not the lead may not judge; a reviewer verifies and closes.
    verify = f"/audits/{audit.id}/corrective-actions/{ca.id}/verify"
    assert _cb_post(_staff(cb_app, teammate), audit, verify, revision="3",
                    method="document_review").status_code == 403  # fmt: skip
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    reviewer_client = _staff(cb_app, reviewer)
    evidence = reviewer_client.get(f"/audits/{audit.id}/evidence-files/{files[0].id}")
    assert evidence.status_code == 200 and evidence.data == PDF
    done = _cb_post(reviewer_client, audit, verify, revision="3", method="document_review",
                    note="Calibration certificates of both gauges seen.")  # fmt: skip
    assert done.status_code == 302
    ca = _ca(factory, finding)
    assert ca.status == CorrectiveActionStatus.VERIFIED_CLOSED
    assert (ca.verified_by_name, ca.verification_method) == (reviewer.full_name, "document_review")
    assert "sent evidence" in smtp_server.wait_for(5)[4]["Subject"]
    closed = smtp_server.wait_for(6)[5]
    assert "is closed" in closed["Subject"] and "document review" in text_of(closed)
    final = portal.get(page).get_data(as_text=True)
    assert "Verified closed" in final and 'id="revision-1"' in final and 'id="revision-3"' in final
    listed = portal.get("/portal/nonconformities").get_data(as_text=True)
    assert 'class="nc-verified_closed"' in listed
    factory.session.expire_all()
    actions = {e.action for e in factory.session.scalars(select(AuditEvent))}
    assert {
        "portal.capa_save", "portal.capa_submit", "portal.evidence_add", "capa.plan_reject",
        "capa.plan_accept", "capa.verify",
    } <= actions  # fmt: skip


def test_a_minor_may_be_verified_at_the_next_audit_a_major_may_not(factory) -> None:  # type: ignore[no-untyped-def]
    for grade, allowed in ((Grade.MINOR, True), (Grade.MAJOR, False)):
        audit, finding, *_ = _released(factory, grade)
        by = "Eva"
        capa.save_draft(factory.session, finding,
                        capa.AnswerInput("c", "r", "a", LATER), by=by)  # fmt: skip
        capa.submit(factory.session, finding, by=by, today=date.today())
        ca = capa.of(factory.session, finding)
        work = ServerWork(factory.session, Actor.system("test"))
        capa.judge_plan(work, ca, 1, accept=True, reason="")
        if allowed:
            capa.verify(work, ca, finding, method="next_audit", note="Seen at surveillance 1.")
            assert ca.status == CorrectiveActionStatus.VERIFIED_CLOSED
        else:
            with pytest.raises(capa.CapaRefused, match="not at the next audit"):
                capa.verify(work, ca, finding, method="next_audit", note="Later.")
        with pytest.raises(capa.CapaRefused, match="Choose how"):
            capa.verify(work, ca, finding, method="telepathy", note="")


def test_answers_open_only_once_the_report_is_released_and_only_for_nonconformities(
    factory,
) -> None:  # type: ignore[no-untyped-def]
    audit = factory.audit(status=AuditStatus.ACCEPTED, lead=factory.auditor())
    minor = factory.finding(audit, grade=Grade.MINOR)
    ofi = factory.finding(audit, grade=Grade.OFI)
    with pytest.raises(capa.CapaRefused, match="once the audit report is released"):
        capa.save_draft(factory.session, minor, capa.AnswerInput("c"), by="Eva")
    audit.status = AuditStatus.REPORT_RELEASED
    with pytest.raises(capa.CapaRefused, match="Only a nonconformity"):
        capa.save_draft(factory.session, ofi, capa.AnswerInput("c"), by="Eva")


def test_another_organisations_nonconformities_and_evidence_are_404(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    _, mine, my_contact, *_ = _released(factory)
    _, theirs, their_contact, *_ = _released(factory)
    them = _portal(cb_app, their_contact)
    page = f"/portal/nonconformities/{theirs.id}"
    _post(them, page, page, do="save", correction="Theirs.")
    assert _upload(them, theirs, "theirs.pdf", PDF).status_code == 302
    [their_file] = _ca(factory, theirs).revisions[-1].files
    portal = _portal(cb_app, my_contact)
    assert portal.get(f"/portal/nonconformities/{mine.id}").status_code == 200
    assert portal.get(page).status_code == 404
    assert _post(portal, f"/portal/nonconformities/{mine.id}", page, do="save").status_code == 404
    assert _upload(portal, theirs, "x.pdf", PDF).status_code == 404
    token = csrf_from(portal.get("/portal/").get_data(as_text=True))
    removed = portal.post(f"{page}/files/{their_file.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 404
    assert portal.get(f"/portal/evidence/{their_file.id}").status_code == 404
    assert them.get(f"/portal/evidence/{their_file.id}").status_code == 200


def test_evidence_sent_with_the_plan_is_verified_by_document_review_once_the_plan_is_accepted(
    factory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from auditkit.evidence_files import EvidenceStore, check

    _, finding, *_ = _released(factory)
    store = EvidenceStore(tmp_path / "evidence")
    capa.save_draft(factory.session, finding, capa.AnswerInput("c", "r", "a", LATER), by="Eva")
    capa.add_file(factory.session, finding, store, check("done.pdf", PDF), by="Eva")
    capa.submit(factory.session, finding, by="Eva", today=date.today())
    ca = capa.of(factory.session, finding)
    work = ServerWork(factory.session, Actor.system("test"))
    with pytest.raises(capa.CapaRefused, match="needs evidence"):
        capa.verify(work, ca, finding, method="document_review", note="", revision=1)
    capa.judge_plan(work, ca, 1, accept=True, reason="")
    assert capa.evidence_with_plan(ca)
    capa.verify(work, ca, finding, method="document_review", note="Seen.", revision=1)
    assert ca.status == CorrectiveActionStatus.VERIFIED_CLOSED


def test_a_file_sent_with_the_answer_joins_the_draft_and_a_refused_one_keeps_the_text(
    cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    _, finding, contact, *_ = _released(factory)
    portal = _portal(cb_app, contact)
    page = f"/portal/nonconformities/{finding.id}"

    def send(name: str, data: bytes):  # type: ignore[no-untyped-def]
        token = csrf_from(portal.get(page).get_data(as_text=True))
        form = {"csrf_token": token, "do": "save", "correction": "Gauges recalibrated."}
        return portal.post(
            page,
            data={**form, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    refused = send("report.docx", b"MZ\x90\x00" + b"\0" * 400)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="file-error"' in html
    assert "Gauges recalibrated." in html  # the typed text is kept beside the error
    assert send("report.pdf", PDF).status_code == 302
    draft = capa.draft_of(_ca(factory, finding))
    assert draft is not None and draft.correction == "Gauges recalibrated."
    assert [f.filename for f in draft.files] == ["report.pdf"]


@needs_pdf
def test_every_portal_route_with_an_id_answers_404_for_another_organisations_ids(
    cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    """Walks the portal's URL map: a new route that takes an id is covered without more code."""
    from flask import url_for

    from tests.test_portal import _released_audit

    mine, _, _ = _released_audit(cb_app, factory)
    theirs, their_release, their_photo = _released_audit(cb_app, factory)
    their_nc = factory.session.scalars(
        select(Finding).where(Finding.audit_id == theirs.id, Finding.grade == Grade.MAJOR)
    ).one()
    their_contact = _active_contact(factory, theirs.organisation)
    them = _portal(cb_app, their_contact)
    assert _upload(them, their_nc, "theirs.pdf", PDF).status_code == 302
    [their_file] = _ca(factory, their_nc).revisions[-1].files
    their_certificate = factory.certificate(factory.certification(organisation=theirs.organisation))
    factory.commit()
    ids = {
        "number": their_certificate.number,
        "audit_id": theirs.id,
        "release_id": their_release.id,
        "sha256": their_photo.sha256,
        "finding_id": their_nc.id,
        "file_id": their_file.id,
    }
    portal = _portal(cb_app, _active_contact(factory, mine.organisation))
    token = csrf_from(portal.get("/portal/").get_data(as_text=True))
    walked = []
    for rule in cb_app.url_map.iter_rules():
        if not rule.endpoint.startswith("portal.") or not set(rule.arguments) & set(ids):
            continue
        with cb_app.test_request_context():
            url = url_for(rule.endpoint, **{k: ids[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answer = portal.open(
                url, method=method, data={"csrf_token": token} if method == "POST" else None
            )
            assert answer.status_code == 404, (method, rule.endpoint, answer.status_code)
            walked.append(rule.endpoint)
        assert them.get(url).status_code in (200, 405), rule.endpoint  # theirs to see
    assert {"portal.answer", "portal.save_answer", "portal.ask_for_time", "portal.evidence_file",
            "portal.release", "portal.release_photo", "portal.plan",
            "portal.certificate_download"} <= set(walked)  # fmt: skip
