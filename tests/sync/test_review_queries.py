"""Issue 13 item 2 on a real server: a reviewer's queries reach the team's laptops at their
next sync, the lead answers one offline (a queued change) and edits what the other asked
about after a return, and the audit is accepted only once every query is closed."""

from __future__ import annotations

import re

from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import Audit, AuditStatus, CommentKind, OutboxEntry, ReviewComment
from tests.helpers import csrf_from, sign_in

ITEM = "iso9001-2015:7.2/1"


def _submit(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.post("/closing/conclusion", {"recommendation": "certify", "conclusion": "Effective."})
    assert (
        laptop.form("/closing/sign", {"accept_gaps": "1", "confirm_void": "1"}).status_code == 302
    )
    assert laptop.form("/closing/submit", {"accept_gaps": "1"}).status_code == 302
    summary = laptop.sync()
    assert summary.ok and summary.rejected == 0, summary.rejections


def _status(engine) -> AuditStatus:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.get(Audit, AUDIT_ID).status


def _queries(engine) -> list[ReviewComment]:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        rows = session.scalars(
            select(ReviewComment)
            .where(ReviewComment.audit_id == AUDIT_ID, ReviewComment.parent_id.is_(None))
            .order_by(ReviewComment.created_at)
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_query_goes_to_the_laptop_is_answered_and_closed_before_acceptance(  # type: ignore[no-untyped-def]
    laptops, server_engine, cb_app
) -> None:
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer(ITEM, notes="Training records seen for 3 of 5 operators.")
    _submit(anna)
    assert _status(server_engine) == AuditStatus.SUBMITTED

    reviewer = cb_app.test_client()
    sign_in(reviewer, "reviewer")
    evidence = reviewer.get(f"/audits/{AUDIT_ID}/evidence").get_data(as_text=True)
    token = csrf_from(evidence)
    assert f'value="item:{ITEM}"' in evidence  # the answered item can be queried
    raised = reviewer.post(
        f"/audits/{AUDIT_ID}/queries",
        data={"csrf_token": token, "about": f"item:{ITEM}", "body": "Which two were missing?"},
    )
    assert raised.status_code == 302
    reviewer.post(
        f"/audits/{AUDIT_ID}/queries",
        data={"csrf_token": token, "about": "audit", "body": "The conclusion is one word long."},
    )
    on_item, on_audit = _queries(server_engine)
    assert on_item.item_key == ITEM and on_item.kind == CommentKind.QUERY

    refused = reviewer.post(f"/audits/{AUDIT_ID}/accept", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "2 queries are still open" in refused.get_data(as_text=True)

    # The lead's laptop gets both at its next sync and answers the first while offline.
    assert anna.sync().ok
    overview = anna.client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert "Which two were missing?" in overview and "2 open" in overview
    empty = anna.form(f"/queries/{on_item.id}/answer", {"body": "   "})
    assert empty.status_code == 422
    assert f'id="answer-{on_item.id}-error"' in empty.get_data(as_text=True)
    answered = anna.form(
        f"/queries/{on_item.id}/answer", {"body": "Operators 4 and 5; both joined last month."}
    )
    assert answered.status_code == 302
    with anna.session() as session:
        queued = session.scalars(select(OutboxEntry)).all()
        assert [e.name for e in queued] == ["query.answer.v1"]
    waiting = anna.client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert "waiting to be sent" in waiting

    summary = anna.sync()
    assert summary.ok and summary.rejected == 0, summary.rejections
    assert anna.pending() == 0
    evidence = reviewer.get(f"/audits/{AUDIT_ID}/evidence").get_data(as_text=True)
    assert "Operators 4 and 5; both joined last month." in evidence
    assert "answered" in evidence
    # A replay of the same answer (a lost reply to the push) changes nothing.
    assert anna.sync().ok
    with make_session_factory(server_engine)() as session:
        replies = session.scalars(
            select(ReviewComment).where(ReviewComment.parent_id == on_item.id)
        ).all()
        assert len(replies) == 1 and replies[0].author_name == "Anna de Vries"

    # The reviewer closes the first and returns the audit for the second.
    assert (
        reviewer.post(
            f"/audits/{AUDIT_ID}/queries/{on_item.id}/close", data={"csrf_token": token}
        ).status_code
        == 302
    )
    reviewer.post(
        f"/audits/{AUDIT_ID}/return",
        data={"csrf_token": token, "reason": "Please write the conclusion out."},
    )
    audit_page = reviewer.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert 'id="review-history"' in audit_page and "Please write the conclusion out." in audit_page
    assert "Queries · 1 open of 2" in audit_page

    assert anna.sync().ok
    overview = anna.client.get(f"/audits/{AUDIT_ID}").get_data(as_text=True)
    assert "Please write the conclusion out." in overview and "1 open" in overview
    assert re.search(r"closed by Rosa Reviewer", overview)
    anna.post(
        "/closing/conclusion",
        {
            "recommendation": "certify",
            "conclusion": "The system is effective; training records are complete for 3 of 5.",
            "confirm_void": "1",
        },
    )
    _submit(anna)
    assert (
        reviewer.post(
            f"/audits/{AUDIT_ID}/queries/{on_audit.id}/close", data={"csrf_token": token}
        ).status_code
        == 302
    )
    accepted = reviewer.post(f"/audits/{AUDIT_ID}/accept", data={"csrf_token": token})
    assert accepted.status_code == 302
    assert _status(server_engine) == AuditStatus.ACCEPTED

    # Once accepted, the laptop can no longer answer: the server refuses it as locked.
    assert anna.sync().ok
    with anna.session() as session:
        assert session.get(Audit, AUDIT_ID).status == AuditStatus.ACCEPTED
    late = anna.form(f"/queries/{on_audit.id}/answer", {"body": "One more thing."})
    assert late.status_code == 409
