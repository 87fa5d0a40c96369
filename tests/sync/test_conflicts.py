"""Conflicts end to end: a refusal gives the laptop the server's row back, each conflict stays
open on the server until its auditor settles it, and an open conflict blocks submit."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import (
    AppliedMutation,
    Audit,
    AuditStatus,
    OutboxEntry,
    Response,
    SyncRejection,
)
from tests.helpers import sign_in
from tests.sync.scenarios import same_field_conflict, two_auditors_with_a_base_answer

ITEM = "iso9001-2015:7.2/1"
OTHER = "iso9001-2015:7.3/1"


def _notes(laptop, item_key: str = ITEM) -> str:  # type: ignore[no-untyped-def]
    with laptop.session() as session:
        return session.scalars(select(Response.notes).where(Response.item_key == item_key)).one()


def _server_notes(engine) -> str:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.scalars(select(Response.notes).where(Response.item_key == ITEM)).one()


def _open_rejections(laptop) -> list[SyncRejection]:  # type: ignore[no-untyped-def]
    with laptop.session() as session:
        return list(
            session.scalars(
                select(SyncRejection)
                .where(SyncRejection.resolved_at.is_(None))
                .order_by(SyncRejection.seq)
            )
        )


def _settle(laptop, rejection: SyncRejection, action: str) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.client.post(
        f"/sync/rejections/{rejection.id}/{action}", data={"csrf_token": laptop.token}
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)


def _submit(anna):  # type: ignore[no-untyped-def]
    anna.post("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})
    assert anna.form("/closing/sign", {"accept_gaps": "1"}).status_code == 302
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    return anna.sync()


def _status(engine) -> AuditStatus:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.get(Audit, AUDIT_ID).status


def test_a_refusal_gives_back_the_server_row_that_pull_had_passed_over(
    laptops, server_engine
) -> None:  # type: ignore[no-untyped-def]
    """Bram edits the item while his sync runs: pull leaves his row alone (unsent edit) and
    moves past Anna's change. When his edit is refused, the refusal brings her row back."""
    anna, bram = two_auditors_with_a_base_answer(laptops, ITEM)
    anna.answer(ITEM, notes="Anna's notes")
    anna.sync()

    bram.answer(OTHER, notes="something to push")
    edited = []

    def edit_between_push_and_pull(phase: str, done: int, total: int) -> None:
        if phase == "push" and not edited:
            edited.append(bram.answer(ITEM, notes="Bram's notes"))

    assert bram.sync(progress=edit_between_push_and_pull).ok is False  # one edit unsent
    assert edited and _notes(bram) == "Bram's notes" and bram.pending() == 1

    summary = bram.sync()
    assert summary.ok and [r["code"] for r in summary.rejections] == ["conflict"]
    assert _notes(bram) == "Anna's notes" == _server_notes(server_engine)
    (rejection,) = _open_rejections(bram)
    assert rejection.payload["notes"] == "Bram's notes"  # his text is kept for him to choose
    assert rejection.server_row["notes"] == "Anna's notes"


def test_submit_waits_until_every_conflict_is_settled(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna, bram = same_field_conflict(laptops, ITEM)
    bram.answer(OTHER, notes="a later answer to another item settles nothing")
    assert bram.sync().ok

    anna.sync()
    summary = _submit(anna)
    assert [r["code"] for r in summary.rejections] == ["open_conflicts"]
    assert "answer.set.v1 of iso9001-2015:7.2/1 (Bram Jansen)" in summary.rejections[0]["message"]
    assert _status(server_engine) == AuditStatus.IN_PROGRESS

    (conflict,) = _open_rejections(bram)
    _settle(bram, conflict, "theirs")
    assert bram.sync().ok
    with bram.session() as session:
        assert session.scalars(select(OutboxEntry)).all() == []

    (refusal,) = _open_rejections(anna)
    _settle(anna, refusal, "dismiss")
    assert anna.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    final = anna.sync()
    assert final.ok and final.rejected == 0, final.rejections
    assert _status(server_engine) == AuditStatus.SUBMITTED
    assert _notes(anna) == _notes(bram) == "Anna's notes" == _server_notes(server_engine)


def test_only_its_own_auditor_settles_a_conflict(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna, bram = same_field_conflict(laptops, ITEM)
    with make_session_factory(server_engine)() as session:
        conflict = session.scalars(
            select(AppliedMutation).where(AppliedMutation.code == "conflict")
        ).one()
        applied = session.scalars(
            select(AppliedMutation).where(AppliedMutation.status == "applied")
        ).first()
    with anna.session() as session:  # Anna names Bram's conflict, then an applied change
        for named in (conflict, applied):
            session.add(
                OutboxEntry(
                    name="conflict.resolve.v1",
                    audit_id=AUDIT_ID,
                    entity_id=str(named.mutation_id),
                    payload={"mutation_id": str(named.mutation_id), "kept": "theirs"},
                )
            )
        session.add(
            OutboxEntry(
                name="conflict.resolve.v1",
                audit_id=AUDIT_ID,
                entity_id="x",
                payload={"mutation_id": str(uuid.uuid4()), "kept": "both"},
            )
        )
        session.commit()
    summary = anna.sync()
    assert [r["code"] for r in summary.rejections] == ["invalid"] * 3
    assert "no conflict of yours" in summary.rejections[0]["message"]
    assert "kept must be" in summary.rejections[2]["message"]
    with make_session_factory(server_engine)() as session:
        assert session.get(AppliedMutation, (conflict.device_id, conflict.seq)).settled_at is None


def test_the_cb_sees_each_laptops_changes_and_every_refused_one(laptops, cb_app) -> None:  # type: ignore[no-untyped-def]
    anna, bram = same_field_conflict(laptops, ITEM)
    client = cb_app.test_client()
    sign_in(client, "reviewer")

    page = client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert 'id="laptop-activity"' in page and "Anna de Vries" in page and "Bram Jansen" in page
    refused = page[page.index('id="refused-changes"') :]
    assert "Refused changes (1, 1 open conflict)" in refused
    assert "Answer <code>iso9001-2015:7.2/1</code>" in refused
    assert "Conflict</strong> · open" in refused
    assert "Bram&#39;s notes" in refused  # what was sent is kept

    (conflict,) = _open_rejections(bram)
    _settle(bram, conflict, "theirs")
    assert bram.sync().ok
    page = client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert "Refused changes (1)" in page and "Conflict</strong> · settled" in page
