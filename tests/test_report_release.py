"""Issue 13 item 4: after acceptance a reviewer releases the report; each release stores the
PDF, its sha256 and who released it; a later round gives a new revision while the old ones
stay readable byte for byte; finding numbers are final from the first release."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from auditkit import releases
from auditkit.models import AuditEvent, AuditStatus, Grade, ReportRelease, Role, TeamRole
from auditkit.reports.pdf import pdf_available
from tests.helpers import csrf_from, sign_in

pytestmark = pytest.mark.skipif(not pdf_available()[0], reason="WeasyPrint cannot load Pango")


def _accepted(factory):  # type: ignore[no-untyped-def]
    audit = factory.audit(status=AuditStatus.ACCEPTED, lead=factory.auditor(), number="A-77")
    factory.finding(audit, grade=Grade.MINOR, number="F1", statement="Gauges overdue.")
    factory.finding(audit, grade=Grade.OFI, number="F2", statement="Label the spare parts.")
    return audit


def _reviewer(cb_app, factory):  # type: ignore[no-untyped-def]
    person = factory.user(Role.REVIEWER)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, person.username).status_code == 302
    return client, person


def _release(client, audit, note: str = ""):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    return client.post(f"/audits/{audit.id}/release", data={"csrf_token": token, "note": note})


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def test_a_release_stores_the_pdf_its_sha256_and_who_released_it(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit = _accepted(factory)
    client, reviewer = _reviewer(cb_app, factory)
    assert _release(client, audit).status_code == 302
    row = factory.session.scalars(select(ReportRelease)).one()
    assert (row.revision, row.review_round, row.released_by_name) == (1, 1, reviewer.full_name)
    assert row.sha256 == hashlib.sha256(row.pdf).hexdigest() and row.size == len(row.pdf)
    factory.session.refresh(audit)
    assert audit.status == AuditStatus.REPORT_RELEASED
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert f'<code id="release-1-sha256">{row.sha256}</code>' in page
    download = client.get(f"/audits/{audit.id}/releases/1.pdf")
    assert download.status_code == 200 and download.data == row.pdf
    assert 'filename="audit-report-A-77-rev1.pdf"' in download.headers["Content-Disposition"]
    text = _text(download.data)
    assert "F1" in text and "F2" in text and "Gauges overdue." in text
    event = factory.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.release")
    ).one()
    assert event.detail["sha256"] == row.sha256 and event.detail["revision"] == 1
    assert client.get(f"/audits/{audit.id}/releases/2.pdf").status_code == 404


def test_a_round_is_released_once(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit = _accepted(factory)
    client, _ = _reviewer(cb_app, factory)
    _release(client, audit)
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    again = client.post(f"/audits/{audit.id}/release", data={"csrf_token": token})
    assert again.status_code == 409
    assert "released already as revision 1" in again.get_data(as_text=True)
    assert len(releases.releases(factory.session, audit.id)) == 1


def test_only_a_reviewer_off_the_team_releases_and_only_an_accepted_audit(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    on_team = factory.user(Role.REVIEWER)
    audit = factory.audit(
        status=AuditStatus.ACCEPTED, lead=factory.auditor(), members=[(on_team, TeamRole.AUDITOR)]
    )
    submitted = factory.audit(status=AuditStatus.SUBMITTED, lead=factory.auditor())
    factory.commit()
    client = cb_app.test_client()
    sign_in(client, on_team.username)
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    assert client.post(f"/audits/{audit.id}/release", data={"csrf_token": token}).status_code == 403
    other, _ = _reviewer(cb_app, factory)
    token = csrf_from(other.get(f"/audits/{submitted.id}").get_data(as_text=True))
    refused = other.post(f"/audits/{submitted.id}/release", data={"csrf_token": token})
    assert refused.status_code == 409 and "cannot release" in refused.get_data(as_text=True)
    assert factory.session.scalars(select(ReportRelease)).all() == []


def test_a_later_round_gives_revision_2_and_revision_1_stays_as_released(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit = _accepted(factory)
    client, _ = _reviewer(cb_app, factory)
    _release(client, audit)
    first = client.get(f"/audits/{audit.id}/releases/1.pdf").data
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    returned = client.post(
        f"/audits/{audit.id}/return",
        data={"csrf_token": token, "reason": "The client found a wrong date in F2."},
    )
    assert returned.status_code == 302
    factory.session.refresh(audit)
    assert (audit.status, audit.round) == (AuditStatus.RETURNED, 2)
    # The team corrects it, adds a finding, and the lead resubmits (as the laptops' sync does).
    factory.finding(audit, grade=Grade.OBSERVATION, number="F3", statement="Late addition.")
    audit.status = AuditStatus.SUBMITTED
    factory.commit()
    assert client.post(f"/audits/{audit.id}/accept", data={"csrf_token": token}).status_code == 302
    assert _release(client, audit, note="F2's date corrected; F3 added.").status_code == 302
    rows = releases.releases(factory.session, audit.id)
    assert [(r.revision, r.review_round) for r in rows] == [(2, 2), (1, 1)]
    assert rows[0].note == "F2's date corrected; F3 added." and rows[0].sha256 != rows[1].sha256
    assert client.get(f"/audits/{audit.id}/releases/1.pdf").data == first
    second = _text(client.get(f"/audits/{audit.id}/releases/2.pdf").data)
    # The numbers of revision 1 mean the same findings in revision 2; the new one is F3.
    assert "F1" in second and "F2" in second and "F3" in second and "Late addition." in second
    assert "F3" not in _text(first)
