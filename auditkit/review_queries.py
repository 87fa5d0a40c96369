"""Reviewer queries: threads a technical reviewer opens on an audit, a finding or a checklist
item, that the team answers from its laptops and a reviewer closes (ISO/IEC 17021-1 9.5.1:
the review before the decision; DOMAIN.md 1.8).

A query, its replies and its closing are outside the audit's content lock: they are open while
the audit is submitted or returned (auditkit.workflow.Part.QUERIES), and an audit is accepted
only when none is open. Every change is logged for the team's laptops to pull (as the entity
"review_comment", never counted as content: the lead's submission does not wait on it) and
written as an audit event. No Flask here; the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import workflow
from auditkit.models import Audit, CommentKind, Finding, Response, ReviewComment, utcnow
from auditkit.unit_of_work import ServerWork

BODY_LIMIT = 5000
ENTITY = "review_comment"  # as pull names it


class QueryError(Exception):
    """A query move that is not possible; `field` names the form field it is about."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Thread:
    """A query (or the reasons of a return) and its replies, oldest first."""

    comment: ReviewComment
    replies: list[ReviewComment] = field(default_factory=list)
    finding: Finding | None = None
    team_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def is_query(self) -> bool:
        return self.comment.kind == CommentKind.QUERY

    @property
    def is_open(self) -> bool:
        return self.is_query and self.comment.resolved_at is None

    @property
    def answered(self) -> bool:
        """The team has the last word in the thread: over to the reviewer."""
        return bool(self.replies) and self.replies[-1].author_id in self.team_ids


def clean_body(text: str) -> str:
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise QueryError("Write what you are asking.")
    if len(body) > BODY_LIMIT:
        raise QueryError(f"Keep it under {BODY_LIMIT} characters.")
    return body


def _check_open(audit: Audit) -> None:
    if not workflow.is_open(audit.status, workflow.Part.QUERIES):
        raise QueryError(
            f"The audit is {workflow.status_label(audit.status)}: queries are raised, "
            "answered and closed while it is submitted or returned.",
            field="query",
        )


def raise_query(
    work: ServerWork,
    audit: Audit,
    body: str,
    *,
    finding_id: uuid.UUID | None = None,
    item_key: str | None = None,
) -> ReviewComment:
    """Open a query on the audit, one of its findings, or one of its checklist items."""
    _check_open(audit)
    text = clean_body(body)
    if finding_id is not None:
        finding = work.session.get(Finding, finding_id)
        if finding is None or finding.audit_id != audit.id or finding.deleted_at is not None:
            raise QueryError("That finding is not in this audit.", field="about")
    if item_key is not None:
        known = work.session.scalar(
            select(Response.id).where(Response.audit_id == audit.id, Response.item_key == item_key)
        )
        if known is None:
            raise QueryError("That checklist item has no answer in this audit.", field="about")
    comment = _write(
        work, audit, text, kind=CommentKind.QUERY, finding_id=finding_id, item_key=item_key
    )
    _log(
        work,
        audit,
        "query.raise",
        comment,
        {"finding_id": str(finding_id or ""), "item_key": item_key or ""},
    )
    return comment


def add_return_reasons(work: ServerWork, audit: Audit, reason: str) -> ReviewComment:
    """Keep the reasons of a return as a comment the laptops pull (never an open query)."""
    comment = _write(work, audit, reason, kind=CommentKind.RETURN)
    work.changed(audit, ENTITY, str(comment.id), content=False)
    return comment


def reply(
    work: ServerWork,
    audit: Audit,
    query: ReviewComment,
    body: str,
    *,
    reply_id: uuid.UUID | None = None,
) -> ReviewComment:
    """Add a reply to a query's thread: a reviewer's follow-up, or the team's answer (from
    sync, with the id the laptop gave it). A reply to a closed query is kept: nothing the
    team wrote is lost, and the reviewer sees it came after the close."""
    _check_open(audit)
    _check_thread(audit, query)
    text = clean_body(body)
    comment = _write(
        work,
        audit,
        text,
        id=reply_id or uuid.uuid4(),
        kind=query.kind,
        parent_id=query.id,
        finding_id=query.finding_id,
        item_key=query.item_key,
    )
    _log(work, audit, "query.reply", comment, {"query_id": str(query.id)})
    return comment


def close(work: ServerWork, audit: Audit, query: ReviewComment) -> None:
    """A reviewer closes the query (the one who raised it, or any other)."""
    _check_open(audit)
    _check_thread(audit, query)
    if query.resolved_at is not None:
        raise QueryError("This query is closed already.", field="query")
    query.resolved_at = utcnow()
    query.resolved_by_name = work.actor.name
    query.version += 1
    _log(work, audit, "query.close", query, {})


def reopen(work: ServerWork, audit: Audit, query: ReviewComment) -> None:
    """A closed query is open again (closed by mistake, or the answer after it needs more)."""
    _check_open(audit)
    _check_thread(audit, query)
    if query.resolved_at is None:
        raise QueryError("This query is open already.", field="query")
    query.resolved_at = None
    query.resolved_by_name = ""
    query.version += 1
    _log(work, audit, "query.reopen", query, {})


def _write(work: ServerWork, audit: Audit, body: str, **fields: object) -> ReviewComment:
    """A new comment on `audit` by the person acting."""
    comment = ReviewComment(
        audit_id=audit.id,
        author_id=work.actor.user.id if work.actor.user else None,
        author_name=work.actor.name,
        body=body,
        version=1,
        **fields,
    )
    work.session.add(comment)
    work.session.flush()
    return comment


def _check_thread(audit: Audit, query: ReviewComment) -> None:
    if query.audit_id != audit.id or query.parent_id is not None:
        raise QueryError("That query is not in this audit.", field="query")
    if query.kind != CommentKind.QUERY:
        raise QueryError("The reasons of a return are not a query to answer.", field="query")


def _log(
    work: ServerWork, audit: Audit, action: str, comment: ReviewComment, detail: dict[str, str]
) -> None:
    work.changed(audit, ENTITY, str(comment.id), content=False)
    work.event(action, audit_id=audit.id, entity=ENTITY, entity_id=str(comment.id), detail=detail)


def threads(session: Session, audit: Audit) -> list[Thread]:
    """Every thread of the audit, oldest first, with its replies and the finding it is on."""
    team = frozenset(m.user_id for m in audit.team)
    comments = session.scalars(
        select(ReviewComment)
        .where(ReviewComment.audit_id == audit.id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    ).all()
    tops = {c.id: Thread(c, team_ids=team) for c in comments if c.parent_id is None}
    for c in comments:
        if c.parent_id is not None and c.parent_id in tops:
            tops[c.parent_id].replies.append(c)
    finding_ids = {t.comment.finding_id for t in tops.values() if t.comment.finding_id}
    if finding_ids:
        found = {
            f.id: f for f in session.scalars(select(Finding).where(Finding.id.in_(finding_ids)))
        }
        for t in tops.values():
            t.finding = found.get(t.comment.finding_id) if t.comment.finding_id else None
    return list(tops.values())


def open_queries(session: Session, audit_id: uuid.UUID) -> list[ReviewComment]:
    return list(
        session.scalars(
            select(ReviewComment)
            .where(
                ReviewComment.audit_id == audit_id,
                ReviewComment.parent_id.is_(None),
                ReviewComment.kind == CommentKind.QUERY,
                ReviewComment.resolved_at.is_(None),
            )
            .order_by(ReviewComment.created_at)
        )
    )


def check_can_accept(session: Session, audit: Audit) -> None:
    """An audit is accepted only with its queries closed."""
    still_open = open_queries(session, audit.id)
    if still_open:
        n = len(still_open)
        raise QueryError(
            f"{n} {'query is' if n == 1 else 'queries are'} still open: close "
            f"{'it' if n == 1 else 'them'} (or return the audit to the team) before accepting.",
            field="review",
        )
