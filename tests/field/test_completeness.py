"""Sign-off and submit show what is missing and ask; a contradicting recommendation is refused."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select, update

from auditkit.capture import Workspace
from auditkit.capture.completeness import check
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, demo_id
from auditkit.models import Audit, AuditType, Finding, OutboxEntry, UploadedBlob
from auditkit.photostore import PhotoStore
from tests import factories

ITEM = "iso9001-2015:7.2/1"
MAJOR = {
    "grade": "major",
    "clause_refs": "iso9001-2015|7.2",
    "requirement": "7.2 b)",
    "objective_evidence": "Training file of driver FD-12 empty.",
    "statement": "Competence of one forklift driver is not demonstrated.",
}


def _conclude(laptop, recommendation: str = "certify") -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx(
        "/closing/conclusion", {"recommendation": recommendation, "conclusion": "Effective."}
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)


def _signed(laptop) -> bool:  # type: ignore[no-untyped-def]
    return any(e.name == "audit.sign.v1" for e in laptop.outbox())


def test_sign_off_lists_what_is_missing_and_asks_before_going_on(laptop) -> None:  # type: ignore[no-untyped-def]
    _conclude(laptop)
    reply = laptop.form("/closing/sign")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409 and 'id="sign-asks"' in html
    assert "141 checklist items are not answered" in html
    assert "The closing meeting is not recorded." in html
    assert "No audit time is recorded" in html
    assert not _signed(laptop)
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    assert _signed(laptop)


def test_nc_verdict_without_finding_and_not_audited_without_reason_are_gaps(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "nonconformity"})
    laptop.htmx("/items/iso9001-2015:7.3/1", {"verdict": "not_audited"})
    html = laptop.get("/closing/").get_data(as_text=True)
    assert "iso9001-2015 7.2/1 is a nonconformity with no finding raised." in html
    assert "iso9001-2015 7.3/1 is not audited: say why." in html
    laptop.htmx(
        "/items/iso9001-2015:7.3/1", {"verdict": "not_audited", "justification": "No time."}
    )
    laptop.form("/findings/new", {**MAJOR, "item_keys": ITEM})
    html = laptop.get("/closing/").get_data(as_text=True)
    assert "no finding raised" not in html and "is not audited: say why" not in html


def test_a_finding_missing_a_required_part_is_a_gap(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.form("/findings/new", MAJOR).status_code == 302
    with laptop.engine.begin() as conn:  # as a teammate's older laptop could have sent it
        conn.execute(update(Finding).values(objective_evidence="", requirement=""))
    html = laptop.get("/closing/").get_data(as_text=True)
    assert "Finding P1 lacks the requirement and the objective evidence." in html


def test_a_photo_without_caption_is_a_warning_only(laptop) -> None:  # type: ignore[no-untyped-def]
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "JPEG")
    image.seek(0)
    reply = laptop.htmx(
        "/photos",
        {"item_key": ITEM, "owner": "x", "photos": (image, "a.jpg")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 200
    with make_session_factory(laptop.engine)() as session:
        ws = Workspace(session, session.get(Audit, AUDIT_ID), demo_id("user:auditor1"))
        found = check(ws, ws.tree())
    assert [w.kind for w in found.warnings] == ["photo_without_caption"]
    assert "photo_without_caption" not in found.counts()


def test_a_recommendation_that_contradicts_the_findings_is_refused(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.form("/findings/new", MAJOR)
    reply = laptop.htmx("/closing/conclusion", {"recommendation": "certify", "conclusion": "x"})
    assert reply.status_code == 200  # saved: findings may still change before sign-off
    assert "1 major nonconformity is open" in reply.get_data(as_text=True)
    refused = laptop.form("/closing/sign", {"accept_gaps": "1"})
    assert refused.status_code == 422
    assert "1 major nonconformity is open" in refused.get_data(as_text=True)
    assert not _signed(laptop)
    _conclude(laptop, "certify_after_closure")
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302


def test_signing_an_audit_that_is_signed_already_is_refused_not_an_error(laptop) -> None:  # type: ignore[no-untyped-def]
    _conclude(laptop, "do_not_certify")
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    again = laptop.form("/closing/sign", {"accept_gaps": "1"})
    assert again.status_code == 422 and "already signed" in again.get_data(as_text=True)
    assert [e.name for e in laptop.outbox()].count("audit.sign.v1") == 1


def test_submit_shows_the_gaps_again_and_asks(laptop) -> None:  # type: ignore[no-untyped-def]
    _conclude(laptop, "do_not_certify")
    laptop.form("/closing/sign", {"accept_gaps": "1"})
    reply = laptop.form("/closing/submit")
    assert reply.status_code == 409 and 'id="submit-asks"' in reply.get_data(as_text=True)
    assert laptop.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    with make_session_factory(laptop.engine)() as session:
        names = session.scalars(select(OutboxEntry.name)).all()
    assert names[-1] == "audit.submit.v1"


def test_a_recommendation_of_another_audit_type_is_refused_when_saved(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx("/closing/conclusion", {"recommendation": "maintain"})
    assert reply.status_code == 422 and "recommendations offered" in reply.get_data(as_text=True)


def test_stage1_offers_areas_of_concern_and_readiness(laptop) -> None:  # type: ignore[no-untyped-def]
    with laptop.engine.begin() as conn:
        conn.execute(update(Audit).values(audit_type=AuditType.STAGE1))
    closing = laptop.get("/closing/").get_data(as_text=True)
    assert "Ready for stage 2 once the listed concerns are resolved" in closing
    assert "Recommend granting certification" not in closing
    form = laptop.get(f"/findings/new?item={ITEM}").get_data(as_text=True)
    assert '<option value="concern" selected>Area of concern</option>' in form
    assert 'value="major"' not in form
    refused = laptop.form("/findings/new", MAJOR)
    assert refused.status_code == 422 and "not used in this audit" in refused.get_data(as_text=True)


def test_a_photo_without_its_file_is_a_gap_until_the_server_has_it(laptop, field_app) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(laptop.engine).begin() as session:
        photo = factories.photo(session, session.get(Audit, AUDIT_ID), caption="Boiler room")
        photo_id, sha = photo.id, photo.sha256
    store = PhotoStore(field_app.config["PHOTOS_DIR"])

    def found():  # type: ignore[no-untyped-def]
        with make_session_factory(laptop.engine)() as session:
            ws = Workspace(session, session.get(Audit, AUDIT_ID), demo_id("user:auditor1"), store)
            return check(ws, ws.tree())

    [gap] = [g for g in found().gaps if g.kind == "photo_missing"]
    assert gap.photo_id == str(photo_id)
    assert gap.message.startswith(
        "A photo “Boiler room” attached to nothing has no file on this laptop and never reached"
    )
    assert [m.photo.id for m in found().missing_photos] == [photo_id]
    _conclude(laptop)
    reply = laptop.form("/closing/sign")
    assert reply.status_code == 409 and 'data-kind="photo_missing"' in reply.get_data(as_text=True)

    with make_session_factory(laptop.engine).begin() as session:
        session.add(UploadedBlob(sha256=sha))  # the server has the bytes: the next sync fetches
    result = found()
    assert "photo_missing" not in result.counts()
    assert [w.kind for w in result.warnings if w.photo_id == str(photo_id)] == [
        "photo_not_downloaded"
    ]

    store.put(b"the photo", sha, checked=True)
    result = found()
    assert result.missing_photos == []
    assert "photo_not_downloaded" not in {w.kind for w in result.warnings}
