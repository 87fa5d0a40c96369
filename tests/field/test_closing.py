from __future__ import annotations

from sqlalchemy import delete, update

from auditkit.demo import AUDIT_ID, demo_id
from auditkit.models import Audit, AuditStatus, AuditTeamMember, TeamRole


def _ready_to_sign(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx("/items/iso9001-2015:7.2/1", {"verdict": "conforming", "notes": "ok"})
    laptop.htmx("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})


def test_sign_off_needs_a_recommendation(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.form("/closing/sign", {"accept_gaps": "1"})
    assert reply.status_code == 422
    assert "Choose the team&#39;s recommendation before signing" in reply.get_data(as_text=True)


def test_lead_signs_with_time_and_content_hash(laptop) -> None:  # type: ignore[no-untyped-def]
    _ready_to_sign(laptop)
    assert laptop.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    html = laptop.get("/closing/").get_data(as_text=True)
    assert "Signed by the lead auditor" in html and "matches the audit now" in html
    sign = laptop.outbox()[-1]
    assert sign.name == "audit.sign.v1" and len(sign.payload["content_sha256"]) == 64


def test_editing_after_sign_off_asks_then_voids_the_signature(laptop) -> None:  # type: ignore[no-untyped-def]
    _ready_to_sign(laptop)
    laptop.form("/closing/sign", {"accept_gaps": "1"})
    laptop.form("/closing/acknowledge", {"auditee_name": "Eva Bakker"})
    refused = laptop.htmx("/items/iso9001-2015:7.2/1", {"verdict": "conforming", "notes": "later"})
    assert refused.status_code == 409
    assert "voids the signature" in refused.get_data(as_text=True)
    assert "Signed by the lead auditor" in laptop.get("/closing/").get_data(as_text=True)
    confirmed = laptop.htmx(
        "/items/iso9001-2015:7.2/1",
        {"verdict": "conforming", "notes": "later", "confirm_void": "1"},
    )
    assert confirmed.status_code == 200
    html = laptop.get("/closing/").get_data(as_text=True)
    assert "Signed by" not in html and "Eva Bakker" not in html.split('id="sign-off"')[1]
    names = [e.name for e in laptop.outbox()][-2:]
    assert names == ["audit.signature_void.v1", "answer.set.v1"]


def test_acknowledgement_needs_a_signed_audit_and_a_name(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.form("/closing/acknowledge", {"auditee_name": "Eva Bakker"})
    assert reply.status_code == 422 and "lead auditor signs first" in reply.get_data(as_text=True)
    _ready_to_sign(laptop)
    laptop.form("/closing/sign", {"accept_gaps": "1"})
    reply = laptop.form("/closing/acknowledge", {"auditee_name": " "})
    assert reply.status_code == 422 and "Type the representative" in reply.get_data(as_text=True)
    assert laptop.form("/closing/acknowledge", {"auditee_name": "Eva Bakker"}).status_code == 302
    assert "Acknowledged by <strong>Eva Bakker</strong>" in laptop.get("/closing/").get_data(
        as_text=True
    )


def test_only_the_lead_can_sign(laptop) -> None:  # type: ignore[no-untyped-def]
    with laptop.engine.begin() as conn:
        conn.execute(
            update(AuditTeamMember)
            .where(AuditTeamMember.user_id == demo_id("user:auditor1"))
            .values(role=TeamRole.AUDITOR)
        )
    _ready_to_sign(laptop)
    assert "Only the lead auditor signs off" in laptop.get("/closing/").get_data(as_text=True)
    reply = laptop.form("/closing/sign", {"accept_gaps": "1"})
    assert reply.status_code == 422


def test_submitted_audit_is_read_only(laptop) -> None:  # type: ignore[no-untyped-def]
    with laptop.engine.begin() as conn:
        conn.execute(update(Audit).where(Audit.id == AUDIT_ID).values(status=AuditStatus.SUBMITTED))
    html = laptop.get("/checklist").get_data(as_text=True)
    assert "read-only on this laptop" in html and "disabled" in html
    reply = laptop.htmx("/items/iso9001-2015:7.2/1", {"verdict": "conforming"})
    assert reply.status_code == 409 and "can no longer be changed" in reply.get_data(as_text=True)
    assert (
        laptop.form(
            "/findings/new",
            {
                "grade": "ofi",
                "clause_refs": "iso9001-2015|7.2",
                "objective_evidence": "x",
                "statement": "y",
            },
        ).status_code
        == 409
    )
    assert laptop.outbox() == []


def test_audit_of_another_team_is_not_shown(laptop) -> None:  # type: ignore[no-untyped-def]
    with laptop.engine.begin() as conn:
        conn.execute(
            delete(AuditTeamMember).where(AuditTeamMember.user_id == demo_id("user:auditor1"))
        )
    assert laptop.get("").status_code == 404
    assert laptop.htmx("/items/iso9001-2015:7.2/1", {"verdict": "conforming"}).status_code == 404
