"""Issue 13 item 2 on the CB: reviewer queries on the audit, a finding or a checklist item;
their threads, follow-ups, closing and reopening; what is refused and why; acceptance waits
for every query to be closed; the return's reasons and the rounds show on the audit page."""

from __future__ import annotations

from sqlalchemy import select

from auditkit import review_queries
from auditkit.models import (
    AuditEvent,
    AuditStatus,
    CommentKind,
    Grade,
    Response,
    ReviewComment,
    Role,
    SyncChange,
    TeamRole,
)
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in

ITEM = "iso9001-2015:7.2/1"


def _submitted(factory):  # type: ignore[no-untyped-def]
    audit = factory.audit(status=AuditStatus.SUBMITTED, lead=factory.auditor())
    finding = factory.finding(audit, grade=Grade.MINOR, number="F1", statement="Gauges overdue.")
    factory.session.add(Response(audit_id=audit.id, item_key=ITEM, notes="seen", version=1))
    factory.session.flush()
    return audit, finding


def _client(cb_app, factory, role=Role.REVIEWER):  # type: ignore[no-untyped-def]
    person = factory.user(role)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, person.username).status_code == 302
    return client, person


def _raise(client, audit, about, body):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(f"/audits/{audit.id}/evidence").get_data(as_text=True))
    return client.post(
        f"/audits/{audit.id}/queries", data={"csrf_token": token, "about": about, "body": body}
    ), token


def test_a_query_on_a_finding_is_a_thread_the_reviewer_follows_up_and_closes(  # type: ignore[no-untyped-def]
    cb_app, factory
) -> None:
    audit, finding = _submitted(factory)
    client, reviewer = _client(cb_app, factory)
    reply, token = _raise(client, audit, f"finding:{finding.id}", "  Which gauges?  ")
    assert reply.status_code == 302
    query = factory.session.scalars(select(ReviewComment)).one()
    assert (query.kind, query.finding_id, query.body) == (
        CommentKind.QUERY,
        finding.id,
        "Which gauges?",
    )
    assert query.author_name == reviewer.full_name
    # The laptops will pull it, and it is not counted as content.
    change = factory.session.scalars(
        select(SyncChange).where(SyncChange.entity == "review_comment")
    ).one()
    assert change.entity_id == str(query.id)
    page = client.get(f"/audits/{audit.id}/evidence").get_data(as_text=True)
    assert f'id="query-{query.id}"' in page and "Finding F1: Gauges overdue." in page

    client.post(
        f"/audits/{audit.id}/queries/{query.id}/replies",
        data={"csrf_token": token, "body": "And their calibration dates, please."},
    )
    thread = review_queries.threads(factory.session, audit)[0]
    assert [r.body for r in thread.replies] == ["And their calibration dates, please."]
    assert thread.is_open and not thread.answered  # the reviewer has the last word

    closed = client.post(f"/audits/{audit.id}/queries/{query.id}/close", data={"csrf_token": token})
    assert closed.status_code == 302
    factory.session.refresh(query)
    assert query.resolved_at is not None and query.resolved_by_name == reviewer.full_name
    twice = client.post(f"/audits/{audit.id}/queries/{query.id}/close", data={"csrf_token": token})
    assert twice.status_code == 422 and "closed already" in twice.get_data(as_text=True)
    client.post(f"/audits/{audit.id}/queries/{query.id}/reopen", data={"csrf_token": token})
    factory.session.refresh(query)
    assert query.resolved_at is None
    actions = factory.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("query.%")).order_by(AuditEvent.seq)
    ).all()
    assert actions == ["query.raise", "query.reply", "query.close", "query.reopen"]


def test_bad_queries_say_what_to_fix_and_keep_the_text(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory)
    client, _ = _client(cb_app, factory)
    empty, _ = _raise(client, audit, "audit", "   ")
    assert empty.status_code == 422
    assert 'id="query-body-error"' in empty.get_data(as_text=True)
    unknown, _ = _raise(client, audit, "item:iso9001-2015:9.9/9", "Where is this answered?")
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and 'id="about-error"' in html
    assert "Where is this answered?" in html  # the typed text is kept
    other = factory.finding(factory.audit(), grade=Grade.OFI)
    factory.commit()
    foreign, _ = _raise(client, audit, f"finding:{other.id}", "About another audit's finding")
    assert foreign.status_code == 422 and "not in this audit" in foreign.get_data(as_text=True)
    nonsense, _ = _raise(client, audit, "finding:not-a-uuid", "x")
    assert nonsense.status_code == 422
    too_long, _ = _raise(client, audit, "audit", "x" * (review_queries.BODY_LIMIT + 1))
    assert too_long.status_code == 422
    assert factory.session.scalars(select(ReviewComment)).all() == []


def test_an_audit_is_accepted_only_with_its_queries_closed(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory)
    client, _ = _client(cb_app, factory)
    _, token = _raise(client, audit, f"item:{ITEM}", "How many records were sampled?")
    refused = client.post(f"/audits/{audit.id}/accept", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "1 query is still open" in refused.get_data(as_text=True)
    factory.session.refresh(audit)
    assert audit.status == AuditStatus.SUBMITTED
    query = factory.session.scalars(select(ReviewComment)).one()
    client.post(f"/audits/{audit.id}/queries/{query.id}/close", data={"csrf_token": token})
    assert client.post(f"/audits/{audit.id}/accept", data={"csrf_token": token}).status_code == 302
    factory.session.refresh(audit)
    assert audit.status == AuditStatus.ACCEPTED
    # Accepted: the queries are settled for good.
    late = client.post(
        f"/audits/{audit.id}/queries",
        data={"csrf_token": token, "about": "audit", "body": "One more question"},
    )
    assert late.status_code == 422 and "submitted or returned" in late.get_data(as_text=True)


def test_return_reasons_are_no_query_and_show_with_the_rounds(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory)
    client, reviewer = _client(cb_app, factory)
    _, token = _raise(client, audit, "audit", "Is the scope right?")
    client.post(
        f"/audits/{audit.id}/return", data={"csrf_token": token, "reason": "Site 2 is missing."}
    )
    reasons = factory.session.scalars(
        select(ReviewComment).where(ReviewComment.kind == CommentKind.RETURN)
    ).one()
    assert reasons.body == "Site 2 is missing."
    assert [q.body for q in review_queries.open_queries(factory.session, audit.id)] == [
        "Is the scope right?"
    ]
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert 'id="review-history"' in page and "Returned to the team" in page
    assert "Site 2 is missing." in page and "Queries · 1 open of 1" in page
    # Returned: queries can still be raised and answered.
    again, _ = _raise(client, audit, "audit", "And the exclusions?")
    assert again.status_code == 302


def test_only_reviewers_off_the_team_raise_queries(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    on_team = factory.user(Role.REVIEWER)
    audit = factory.audit(
        status=AuditStatus.SUBMITTED,
        lead=factory.auditor(),
        members=[(on_team, TeamRole.AUDITOR)],
    )
    factory.commit()
    client = cb_app.test_client()
    sign_in(client, on_team.username)
    assert client.get(f"/audits/{audit.id}/evidence").status_code == 403
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    refused = client.post(
        f"/audits/{audit.id}/queries", data={"csrf_token": token, "about": "audit", "body": "x"}
    )
    assert refused.status_code == 403
    planner, _ = _client(cb_app, factory, Role.PLANNER)
    token = csrf_from(planner.get(f"/audits/{audit.id}").get_data(as_text=True))
    assert (
        planner.post(
            f"/audits/{audit.id}/queries", data={"csrf_token": token, "about": "audit", "body": "x"}
        ).status_code
        == 403
    )


def test_a_reply_from_the_team_through_the_domain_marks_the_thread_answered(factory) -> None:  # type: ignore[no-untyped-def]
    audit, _ = _submitted(factory)
    reviewer = factory.user(Role.REVIEWER)
    lead = audit.lead.user
    query = review_queries.raise_query(
        ServerWork(factory.session, Actor(reviewer, "")), audit, "Why?"
    )
    review_queries.reply(ServerWork(factory.session, Actor(lead, "")), audit, query, "Because.")
    thread = review_queries.threads(factory.session, audit)[0]
    assert thread.answered and thread.replies[0].author_name == lead.full_name
