"""The decision maker's pages, end to end on the CB app: the file with its gates, a refused
form that keeps what was typed, the decision with its certificate and mail, appeals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from auditkit.models import (
    Appeal,
    AuditStatus,
    Certificate,
    CertificateStatus,
    CorrectiveActionStatus,
    Decision,
    DecisionOutcome,
    Grade,
)
from tests.decision_helpers import decide, decision_maker, initial, nonconformity
from tests.helpers import csrf_from, sign_in
from tests.mail_server import text_of
from tests.test_portal import _active_contact, _portal

TODAY = date.today()


def _client(cb_app, user):  # type: ignore[no-untyped-def]
    client = cb_app.test_client()
    assert sign_in(client, user.username).status_code == 302
    return client


def _post(client, page: str, url: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_decision_maker_grants_from_the_file_and_the_client_is_told(
    smtp_server, cb_app, factory
) -> None:  # type: ignore[no-untyped-def]
    certification, stage1, stage2, lead = initial(factory, today=TODAY)
    _, ca = nonconformity(factory, stage2, Grade.MAJOR, CorrectiveActionStatus.EVIDENCE_SUBMITTED)
    contact = _active_contact(factory, certification.organisation)
    dm = decision_maker(factory)
    factory.commit()
    client = _client(cb_app, dm)
    queue = client.get("/decisions").get_data(as_text=True)
    assert certification.organisation.name in queue and "Open the decision file" in queue
    page_url = f"/certifications/{certification.id}/decide?audit={stage2.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Majors verified closed" in page and "blocked" in page and "To unblock" in page

    url = f"/certifications/{certification.id}/decide"
    form = {"audit": str(stage2.id), "outcome": "grant", "decision_date": TODAY.isoformat()}
    empty = _post(client, page_url, url, **form, effective_date="2099-01-01", reasons="")
    assert empty.status_code == 422
    text = empty.get_data(as_text=True)
    assert "Give the reasons" in text and 'value="2099-01-01"' in text

    blocked = _post(client, page_url, url, **form, reasons="Stage 2 passed.")
    assert blocked.status_code == 422
    assert 'id="gates-failed"' in blocked.get_data(as_text=True)
    assert factory.session.scalars(select(Decision)).all() == []

    ca.status = CorrectiveActionStatus.VERIFIED_CLOSED
    ca.verified_at = datetime.now(UTC)
    factory.commit()
    done = _post(client, page_url, url, **form, reasons="Stage 2 passed; the major is closed.")
    assert done.status_code == 302, done.get_data(as_text=True)
    factory.session.expire_all()
    decision = factory.session.scalars(select(Decision)).one()
    cert = factory.session.scalars(select(Certificate)).one()
    assert cert.decision_id == decision.id and cert.status == CertificateStatus.ACTIVE
    assert stage2.status == AuditStatus.DECIDED and stage1.status == AuditStatus.DECIDED
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert cert.number in shown and "decision_maker_not_on_any_team" in shown
    message = smtp_server.wait_for(1)[-1]
    assert message["To"].endswith(f"<{contact.email}>") or contact.email in message["To"]
    body = text_of(message)
    assert "granted" in message["Subject"] and cert.number in body
    assert "stop using" not in body
    portal = _portal(cb_app, contact)
    mine = portal.get("/portal/certificates").get_data(as_text=True)
    assert cert.number in mine and "Certification granted" in mine
    pdf = portal.get(f"/portal/certificates/{cert.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    # Suspension, decided without an audit: the mail says to stop using the mark.
    page_url = f"/certifications/{certification.id}/decide?basis=client_request"
    suspended = _post(client, page_url, url, basis="client_request", outcome="suspend",
                      decision_date=TODAY.isoformat(), reasons="Asked by the client.")  # fmt: skip
    assert suspended.status_code == 302, suspended.get_data(as_text=True)
    body = text_of(smtp_server.wait_for(2)[-1])
    assert "stop using the certification mark" in body
    assert "do not use the certification mark" in portal.get("/portal/certificates").get_data(
        as_text=True
    )

    # The certificate's pages
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "suspended" in page and "Revisions" in page
    assert cert.number in client.get("/certificates?show=suspended").get_data(as_text=True)


def test_an_appeal_is_decided_by_someone_who_took_no_part(cb_app, factory) -> None:  # type: ignore[no-untyped-def]

    certification, _, stage2, _ = initial(factory, today=TODAY)
    dm = decision_maker(factory)
    decision = decide(factory, dm, certification, stage2, DecisionOutcome.GRANT, TODAY)
    other = decision_maker(factory)
    reviewer = factory.reviewer()
    factory.commit()
    page = f"/decisions/{decision.id}"
    client = _client(cb_app, reviewer)
    missing = _post(client, page, f"{page}/appeals", received_on=TODAY.isoformat(),
                    lodged_by="", grounds="The scope is too narrow.")  # fmt: skip
    assert missing.status_code == 422 and "The scope is too narrow." in missing.get_data(
        as_text=True
    )
    lodged = _post(client, page, f"{page}/appeals", received_on=TODAY.isoformat(),
                   lodged_by="Eva Bakker", grounds="The scope is too narrow.")  # fmt: skip
    assert lodged.status_code == 302
    appeal = factory.session.scalars(select(Appeal)).one()
    same = _client(cb_app, dm)
    refused = _post(same, page, f"/appeals/{appeal.id}/decide", outcome="upheld", reasons="x")
    assert refused.status_code == 422 and "took part" in refused.get_data(as_text=True)
    independent = _client(cb_app, other)
    done = _post(independent, page, f"/appeals/{appeal.id}/decide", outcome="rejected",
                 reasons="The scope matches the activities audited.")  # fmt: skip
    assert done.status_code == 302
    factory.session.expire_all()
    assert appeal.outcome == "rejected" and appeal.decided_by_id == other.id


def test_the_signed_certificate_pdf_downloads_for_staff(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    certification = factory.certification()
    cert = factory.certificate(certification, number="AK-QMS-2026-00042")
    reviewer = factory.reviewer()
    factory.commit()
    answer = _client(cb_app, reviewer).get(f"/certificates/{cert.number}/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF") and b"/ByteRange" in answer.data
    assert "rev0.pdf" in answer.headers["Content-Disposition"]


def test_a_changed_holder_address_is_amended_as_a_new_revision(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY)
    dm = decision_maker(factory)
    decide(factory, dm, certification, stage2, DecisionOutcome.GRANT, TODAY)
    first = factory.session.scalars(select(Certificate)).one()
    org = certification.organisation
    org.address = "Nieuwe Haven 3"
    org.sites[0].name = "Renamed plant"
    factory.commit()
    client = _client(cb_app, dm)
    page_url = f"/certificates/{first.number}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Nieuwe Haven 3" in page and "Renamed plant" in page and "Issue revision 1" in page
    refused = _post(client, page_url, f"{page_url}/amend", reason="")
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    done = _post(client, page_url, f"{page_url}/amend", reason="The client moved its office.")
    assert done.status_code == 302
    factory.session.expire_all()
    current = factory.session.scalars(select(Certificate).where(Certificate.is_current)).one()
    assert current.revision == 1 and current.supersedes_id == first.id
    assert current.holder_address == "Nieuwe Haven 3"
    assert [s.name for s in current.sites] == ["Renamed plant"]
    assert (
        current.effective_date == first.effective_date and current.expiry_date == first.expiry_date
    )
    assert current.decision_id == first.decision_id and not first.is_current
    assert "Issue revision" not in client.get(page_url).get_data(as_text=True)
    # a reviewer may read it, not amend it
    reviewer = factory.reviewer()
    factory.commit()
    assert (
        _post(_client(cb_app, reviewer), page_url, f"{page_url}/amend", reason="x").status_code
        == 403
    )


def test_without_pango_the_certificate_pdf_is_a_503_that_says_why(
    cb_app, factory, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from auditkit.reports import pdf

    monkeypatch.setattr(pdf, "pdf_available", lambda: (False, pdf.NOT_AVAILABLE))
    cert = factory.certificate(factory.certification())
    reviewer = factory.reviewer()
    factory.commit()
    answer = _client(cb_app, reviewer).get(f"/certificates/{cert.number}/pdf")
    assert answer.status_code == 503
    assert "WeasyPrint cannot load the Pango library" in answer.get_data(as_text=True)
