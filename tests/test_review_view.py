"""Issue 13 item 1: the reviewer's view of a synced audit shows what the team recorded, with
photos as thumbnails that open full size, whether the content still matches the lead's
signed digest, the rounds and what changed since the last return; a reviewer on the team is
refused with the reason."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from auditkit.capture.digest import DIGEST_VERSION, content_digest
from auditkit.models import AuditClosure, AuditStatus, Grade, Response, Role, SyncChange, utcnow
from auditkit.photos import DEFAULT_THUMB_EDGE
from auditkit.photostore import PhotoStore
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import sign_in


def _submitted(factory, cb_app, colour=(120, 80, 40)):  # type: ignore[no-untyped-def]
    audit = factory.audit(status=AuditStatus.SUBMITTED, lead=factory.auditor())
    finding = factory.finding(
        audit, grade=Grade.MINOR, number="NC-3", statement="Two welders lacked a valid ticket."
    )
    store = PhotoStore(Path(cb_app.config["DATA_DIR"]) / "blobs")
    board = Image.new("RGB", (1600, 1200), colour)
    photo = factory.photo(audit, finding=finding, store=store, caption="Ticket board", image=board)
    factory.session.flush()
    closure = AuditClosure(audit_id=audit.id, conclusion="Effective system.", version=1)
    closure.signed_at = utcnow()
    factory.session.add(closure)
    factory.session.flush()
    closure.digest_version = DIGEST_VERSION
    closure.signed_content_sha256 = content_digest(factory.session, audit.id, DIGEST_VERSION)
    return audit, photo


def _reviewer(cb_app, factory):  # type: ignore[no-untyped-def]
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, reviewer.username).status_code == 302
    return client


def test_the_reviewer_sees_the_findings_photos_and_the_digest_check(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, photo = _submitted(factory, cb_app)
    client = _reviewer(cb_app, factory)
    page = client.get(f"/audits/{audit.id}/evidence")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Two welders lacked a valid ticket." in html and "Ticket board" in html
    assert f'href="/audits/{audit.id}/photos/{photo.sha256}"' in html
    assert f'src="/audits/{audit.id}/photos/{photo.sha256}/thumbnail"' in html
    assert "still matches the lead's sign-off" in html
    thumb = client.get(f"/audits/{audit.id}/photos/{photo.sha256}/thumbnail")
    full = client.get(f"/audits/{audit.id}/photos/{photo.sha256}")
    assert thumb.mimetype == full.mimetype == "image/jpeg"
    small, large = Image.open(io.BytesIO(thumb.data)), Image.open(io.BytesIO(full.data))
    assert max(small.size) <= DEFAULT_THUMB_EDGE < max(large.size)
    # An edit after the sign-off shows as a changed digest.
    factory.session.add(
        Response(audit_id=audit.id, item_key="iso9001-2015:7.2/1", notes="late", version=1)
    )
    factory.commit()
    html = client.get(f"/audits/{audit.id}/evidence").get_data(as_text=True)
    assert "no longer matches" in html


def test_a_photo_of_another_audit_is_not_served_through_this_one(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory, cb_app)
    _, other_photo = _submitted(factory, cb_app, colour=(10, 200, 30))
    client = _reviewer(cb_app, factory)
    assert client.get(f"/audits/{audit.id}/photos/{other_photo.sha256}").status_code == 404


def test_a_reviewer_on_the_team_is_refused_with_the_reason(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    reviewer = factory.user(Role.REVIEWER, Role.AUDITOR)
    audit = factory.audit(status=AuditStatus.SUBMITTED, members=[reviewer])
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, reviewer.username).status_code == 302
    refused = client.get(f"/audits/{audit.id}/evidence")
    assert refused.status_code == 403
    assert "You are on this audit&#39;s team" in refused.get_data(as_text=True)


def test_a_resubmitted_audit_shows_its_rounds_and_what_changed(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory, cb_app)
    work = ServerWork(factory.session, Actor.system("test"))
    work.event("audit.return", audit_id=audit.id, detail={"reason": "Evidence for 7.2 thin"})
    factory.session.flush()
    device = factory.device(audit.lead.user)
    for key in ("a", "b"):
        factory.session.add(
            SyncChange(audit_id=audit.id, entity="response", entity_id=key, device_id=device.id)
        )
    factory.session.add(
        SyncChange(audit_id=audit.id, entity="finding", entity_id="f", device_id=device.id)
    )
    audit.round = 2
    client = _reviewer(cb_app, factory)
    html = client.get(f"/audits/{audit.id}/evidence").get_data(as_text=True)
    assert "round 2" in html and "Evidence for 7.2 thin" in html
    assert "Changed since it was last returned: 2 responses, 1 finding." in html
    assert factory.session.scalars(select(SyncChange)).all()
