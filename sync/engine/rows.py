"""Rows as they travel: natural keys instead of local ids, so any laptop can place them.

Each row is built from its entity's wire fields (sync/wire.py); only what is not a field of
the model (a deletion, the item a photo belongs to, a reviewer's name) is added here.
"""

from __future__ import annotations

from typing import Any

from auditkit.models import (
    AuditActivity,
    AuditClosure,
    CorrectiveAction,
    Finding,
    Interviewee,
    Meeting,
    Photo,
    Response,
    ReviewComment,
    SampledRecord,
)
from sync import wire


def response_row(r: Response) -> dict[str, Any]:
    return wire.row(wire.RESPONSE, r)


def finding_row(f: Finding) -> dict[str, Any]:
    return wire.row(wire.FINDING, f, deleted=f.deleted_at is not None)


def photo_row(p: Photo, item_key: str | None) -> dict[str, Any]:
    return wire.row(wire.PHOTO, p, item_key=item_key, deleted=p.deleted_at is not None)


def interviewee_row(i: Interviewee) -> dict[str, Any]:
    return wire.row(wire.INTERVIEWEE, i)


def sampled_record_row(s: SampledRecord) -> dict[str, Any]:
    return wire.row(wire.SAMPLED_RECORD, s)


def meeting_row(m: Meeting) -> dict[str, Any]:
    return wire.row(wire.MEETING, m)


def closure_row(c: AuditClosure) -> dict[str, Any]:
    return wire.row(wire.CLOSURE, c, digest_version=c.digest_version or 1)


def activity_row(a: AuditActivity) -> dict[str, Any]:
    return wire.row(wire.ACTIVITY, a)


def review_comment_row(c: ReviewComment, author_name: str) -> dict[str, Any]:
    return wire.row(wire.REVIEW_COMMENT, c, author=c.author_name or author_name)


def corrective_action_row(ca: CorrectiveAction) -> dict[str, Any]:
    """The corrective action with the revisions the client sent (drafts stay on the server)."""
    revisions = [
        wire.row(
            wire.CAPA_REVISION,
            r,
            files=[wire.row(wire.EVIDENCE_FILE, f) for f in r.files],
        )
        for r in ca.revisions
        if r.submitted_at is not None
    ]
    return wire.row(wire.CORRECTIVE_ACTION, ca, revisions=revisions)
