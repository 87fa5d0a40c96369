from __future__ import annotations

from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import Audit, AuditStatus, Photo, SyncRejection
from auditkit.photostore import PhotoStore
from tests.helpers import sign_in

ITEM = "iso9001-2015:7.2/1"


def _sign(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.post("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302


def _server_status(engine) -> AuditStatus:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.get(Audit, AUDIT_ID).status


def _rejections(laptop) -> list[str]:  # type: ignore[no-untyped-def]
    with laptop.session() as session:
        return [r.code for r in session.scalars(select(SyncRejection).order_by(SyncRejection.seq))]


def test_lead_submits_and_every_laptop_locks(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    bram = laptops("bram").login("auditor2")
    anna.sync()
    bram.sync()
    anna.answer(ITEM, notes="seen")
    _sign(anna)
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    assert "Submission queued" in anna.client.get(f"/audits/{AUDIT_ID}/closing/").get_data(
        as_text=True
    )
    summary = anna.sync()
    assert summary.ok and summary.rejected == 0, summary.rejections
    assert _server_status(server_engine) == AuditStatus.SUBMITTED

    refused = anna.post("/items/iso9001-2015:7.2/2", {"verdict": "conforming"})
    assert refused.status_code == 409 and "can no longer be changed" in refused.get_data(
        as_text=True
    )

    bram.answer("iso9001-2015:7.3/1", notes="written offline before the lock reached me")
    summary = bram.sync()
    assert summary.rejected == 1 and _rejections(bram) == ["audit_locked"]
    assert bram.pending() == 0
    with bram.session() as session:
        assert session.get(Audit, AUDIT_ID).status == AuditStatus.SUBMITTED


def test_submit_waits_for_teammates_photos_and_changes(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    bram = laptops("bram").login("auditor2")
    anna.sync()
    bram.sync()
    bram.photo("iso9001-2015:7.4/1", seed=3)
    with bram.session() as session:
        sha = session.scalars(select(Photo.sha256)).one()
    stored = PhotoStore(bram.data_dir / "photos").path(sha)
    kept = stored.read_bytes()
    stored.unlink()  # the bytes are not on this laptop right now: metadata goes, bytes don't
    assert bram.sync().pushed >= 1

    anna.sync()
    _sign(anna)
    anna.form("/closing/submit", {"accept_gaps": "1"})
    anna.sync()
    assert _rejections(anna) == ["blob_missing"]
    assert _server_status(server_engine) == AuditStatus.IN_PROGRESS
    page = anna.client.get("/sync/").get_data(as_text=True)  # the refusal points to the list
    assert "remove it from the list of photos missing on this laptop" in page
    assert '<a href="#missing-photos">See the photos missing on this laptop</a>' in page
    assert "not downloaded yet" in page.split('id="missing-photos"')[1]

    # Bram has not pulled Anna's sign-off yet: his change is ordinary, and unseen by Anna.
    stored.write_bytes(kept)
    bram.answer("iso9001-2015:7.5.1/1", notes="late change by Bram")
    assert bram.sync().ok

    with anna.session() as session:  # settle the refusal, then submit again
        for rejection in session.scalars(select(SyncRejection)):
            rejection.resolved_at = rejection.at
        session.commit()
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    summary = anna.sync()
    assert _rejections(anna)[-1] == "stale_team_view", summary.rejections

    anna.sync()  # now Anna has Bram's change
    with anna.session() as session:
        for rejection in session.scalars(select(SyncRejection)):
            rejection.resolved_at = rejection.at
        session.commit()
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    final = anna.sync()
    assert final.ok and final.rejected == 0, (final.rejections, _rejections(anna))
    assert _server_status(server_engine) == AuditStatus.SUBMITTED


def test_returned_audit_is_editable_again(laptops, server_engine, cb_app) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    _sign(anna)
    anna.form("/closing/submit", {"accept_gaps": "1"})
    assert anna.sync().ok
    reviewer = cb_app.test_client()
    sign_in(reviewer, "reviewer")
    page = reviewer.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = reviewer.post(
        f"/audits/{AUDIT_ID}/return", data={"csrf_token": token, "reason": "  "}
    )
    assert refused.status_code == 422  # a reason is required, said next to the field
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert _server_status(server_engine) == AuditStatus.SUBMITTED
    reviewer.post(
        f"/audits/{AUDIT_ID}/return",
        data={"csrf_token": token, "reason": "Evidence for 7.2 is thin."},
    )
    assert _server_status(server_engine) == AuditStatus.RETURNED
    assert anna.sync().ok
    overview = anna.client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert "Evidence for 7.2 is thin." in overview and "Rosa Reviewer" in overview
    assert (
        anna.post(
            f"/items/{ITEM}",
            {"verdict": "conforming", "notes": "more evidence", "confirm_void": "1"},
        ).status_code
        == 200
    )
    assert anna.sync().ok and anna.pending() == 0


def test_only_the_lead_submits(laptops) -> None:  # type: ignore[no-untyped-def]
    bram = laptops("bram").login("auditor2")
    bram.sync()
    reply = bram.form("/closing/submit", {"accept_gaps": "1"})
    assert reply.status_code == 422
    assert "Only the lead auditor submits" in reply.get_data(as_text=True)


def test_a_submission_gets_its_photos_print_copies_made_on_the_server(  # type: ignore[no-untyped-def]
    laptops, server_engine, cb_app
) -> None:
    from sync.server.print_copies import EXTENSION

    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.photo(ITEM, seed=5, size=(1800, 1300))
    summary = anna.sync()
    assert summary.ok and summary.blobs_uploaded == 1
    with anna.session() as session:
        sha = session.scalars(select(Photo.sha256)).one()
    blobs = PhotoStore(cb_app.config["DATA_DIR"] / "blobs")
    assert blobs.exists(sha) and not blobs.print_path(sha).exists()  # an upload makes none

    _sign(anna)
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    assert anna.sync().ok
    assert _server_status(server_engine) == AuditStatus.SUBMITTED
    cb_app.extensions[EXTENSION].wait()
    assert blobs.print_path(sha).is_file()
