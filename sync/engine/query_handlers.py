"""The team's answer to a reviewer query (query.answer.v1), applied on the server.

The answer is a reply in the query's thread (auditkit.review_queries). It is open while the
audit is submitted or returned (workflow Part.QUERIES), whatever the content lock; the laptop
made its id, so a replay of the same answer changes nothing.
"""

from __future__ import annotations

from typing import Any

from auditkit import review_queries, workflow
from auditkit.models import CommentKind, ReviewComment
from sync import protocol, wire
from sync.engine.apply import Context, Mutation, Rejected, handler, uuid_of


@handler("query.answer.v1", workflow.Part.QUERIES)
def query_answer(ctx: Context, m: Mutation) -> dict[str, Any]:
    reply_id = uuid_of(m.entity_id, "answer id")
    existing = ctx.session.get(ReviewComment, reply_id)
    if existing is not None:
        if existing.audit_id != ctx.audit.id or existing.author_id != ctx.user.id:
            raise Rejected(protocol.INVALID, "A comment with this id exists already.")
        return {"version": existing.version}
    try:
        query_id = wire.check(wire.REVIEW_COMMENT.field("parent_id"), m.payload.get("parent_id"))
        body = wire.check(wire.REVIEW_COMMENT.field("body"), m.payload.get("body", ""))
    except wire.WireError as exc:
        raise Rejected(protocol.INVALID, str(exc)) from exc
    query = ctx.session.get(ReviewComment, query_id) if query_id else None
    if query is None or query.audit_id != ctx.audit.id or query.parent_id is not None:
        raise Rejected(protocol.INVALID, "There is no such query on this audit.")
    if query.kind != CommentKind.QUERY:
        raise Rejected(protocol.INVALID, "The reasons of a return are not a query to answer.")
    try:
        row = review_queries.reply(ctx.work, ctx.audit, query, body, reply_id=reply_id)
    except review_queries.QueryError as exc:
        raise Rejected(protocol.INVALID, exc.message) from exc
    return {"version": row.version}
