"""The content digest is versioned: a signature keeps verifying against what it covered."""

from __future__ import annotations

from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from auditkit.capture import Workspace
from auditkit.capture.activities import save_activity
from auditkit.capture.digest import DIGEST_VERSION, content_digest
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, demo_id
from auditkit.models import Audit, AuditClosure

ANNA = demo_id("user:auditor1")


def _digests(engine) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return content_digest(session, AUDIT_ID, 1), content_digest(session, AUDIT_ID, 2)


def test_version_2_covers_audit_time_and_version_1_does_not(laptop) -> None:  # type: ignore[no-untyped-def]
    v1, v2 = _digests(laptop.engine)
    with make_session_factory(laptop.engine)() as session:
        ws = Workspace(session, session.get(Audit, AUDIT_ID), ANNA)
        form = {"day": "2026-12-14", "mode": "off_site", "hours": "1", "activity": "Planning"}
        save_activity(ws, MultiDict(form))
        session.commit()
    after_v1, after_v2 = _digests(laptop.engine)
    assert after_v1 == v1 and after_v2 != v2


def test_a_signature_made_with_digest_1_still_verifies(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx("/closing/conclusion", {"recommendation": "do_not_certify", "conclusion": "x"})
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    assert laptop.outbox()[-1].payload["digest_version"] == DIGEST_VERSION == 2
    v1, _ = _digests(laptop.engine)
    with laptop.engine.begin() as conn:  # as a laptop signed before digest 2 existed
        conn.execute(update(AuditClosure).values(digest_version=1, signed_content_sha256=v1))
    assert "matches the audit now" in laptop.get("/closing/").get_data(as_text=True)
    report = laptop.get("/report/").get_data(as_text=True)
    assert "The audit has changed since it was signed." not in report
