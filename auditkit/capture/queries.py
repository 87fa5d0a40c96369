"""The team's answers to the CB reviewer's queries, written on the laptop.

A query arrives at a sync (a review_comment row); an auditor of the team answers it here. The
answer is a reply in the query's thread, queued as query.answer.v1 with the id made here, so
the server's copy replaces this one at the next pull. Queries live outside the content lock
(auditkit.workflow.Part.QUERIES): an answer neither needs the audit returned nor voids the
lead's signature.
"""

from __future__ import annotations

import uuid

from auditkit import workflow
from auditkit.capture.errors import Invalid, ReadOnly
from auditkit.capture.workspace import Workspace
from auditkit.models import CommentKind, ReviewComment, User

ANSWER_LIMIT = 5000  # as the server takes it (sync.wire.REVIEW_COMMENT)


def answer_query(ws: Workspace, query_id: uuid.UUID, text: str) -> ReviewComment:
    """Reply to an open query of this audit; the caller commits."""
    if not workflow.is_open(ws.audit.status, workflow.Part.QUERIES):
        raise ReadOnly(workflow.status_label(ws.audit.status))
    query = ws.session.get(ReviewComment, query_id)
    if (
        query is None
        or query.audit_id != ws.audit.id
        or query.parent_id is not None
        or query.kind != CommentKind.QUERY
    ):
        raise Invalid({"query": "There is no such query on this audit."})
    field = f"answer-{query_id}"
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise Invalid({field: "Write your answer to the reviewer."})
    if len(body) > ANSWER_LIMIT:
        raise Invalid({field: f"Keep the answer under {ANSWER_LIMIT} characters."})
    author = ws.session.get(User, ws.user_id)
    answer = ReviewComment(
        id=uuid.uuid4(),
        audit_id=ws.audit.id,
        kind=CommentKind.QUERY,
        parent_id=query.id,
        finding_id=query.finding_id,
        item_key=query.item_key,
        author_id=ws.user_id,
        author_name=author.full_name if author else "",
        body=body,
        version=0,  # not yet on the server: its copy comes back with version 1
    )
    ws.session.add(answer)
    ws.session.flush()
    ws.record("query.answer.v1", str(answer.id), None, {"parent_id": str(query.id), "body": body})
    return answer
