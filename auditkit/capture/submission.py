"""Submitting the audit to the CB: the lead queues it; the server checks it is complete."""

from __future__ import annotations

from sqlalchemy import select

from auditkit.capture import completeness
from auditkit.capture.closure import is_lead
from auditkit.capture.errors import Incomplete, Invalid
from auditkit.capture.workspace import Workspace
from auditkit.checklists import IntegratedTree
from auditkit.models import OutboxEntry, SyncRejection

SUBMIT = "audit.submit.v1"


def submission_queued(ws: Workspace) -> bool:
    return (
        ws.session.scalars(
            select(OutboxEntry.seq).where(
                OutboxEntry.audit_id == ws.audit.id, OutboxEntry.name == SUBMIT
            )
        ).first()
        is not None
    )


def open_rejections(ws: Workspace) -> list[SyncRejection]:
    return list(
        ws.session.scalars(
            select(SyncRejection)
            .where(SyncRejection.audit_id == ws.audit.id, SyncRejection.resolved_at.is_(None))
            .order_by(SyncRejection.seq)
        )
    )


def submit_audit(
    ws: Workspace, tree: IntegratedTree | None = None, *, accept_gaps: bool = False
) -> OutboxEntry:
    """Queue the submission; it travels after this laptop's edits, in order.

    Gaps the lead accepted at sign-off are shown again and asked about once more.
    """
    ws.ensure_not_locked()
    if not is_lead(ws):
        raise Invalid({"submit": "Only the lead auditor submits the audit to the CB."})
    if not ws.is_signed():
        raise Invalid({"submit": "Sign the audit off before submitting it."})
    if submission_queued(ws):
        raise Invalid({"submit": "The submission is already queued; it is sent at the next sync."})
    if open_rejections(ws):
        raise Invalid(
            {"submit": "Settle the refused changes and conflicts shown on the sync page first."}
        )
    found = completeness.check(ws, tree or ws.tree())
    if found.refusal:
        raise Invalid({"submit": found.refusal})
    if found.gaps and not accept_gaps:
        raise Incomplete(found)
    return ws.record(
        SUBMIT, str(ws.audit.id), None, {"seen_content_version": ws.audit.content_version}
    )
