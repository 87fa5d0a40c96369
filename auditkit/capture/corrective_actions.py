"""The lead auditor judges the client's corrective actions on the laptop, offline.

The answers and evidence arrive at a sync (corrective_action rows, evidence files in the
laptop's evidence store). A judgement is queued as capa.judge.v1 or capa.verify.v1 naming the
revision the lead read; the server applies it, or refuses it as a conflict when the client
sent a newer revision since (the refusal shows on the sync page and beside the action). The
local row is left as it is: the server's copy comes back at the next pull.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from auditkit import workflow
from auditkit.capture.errors import Invalid, ReadOnly
from auditkit.capture.workspace import Workspace
from auditkit.corrective_actions.state import evidence_with_plan
from auditkit.models import (
    AuditTeamMember,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    OutboxEntry,
    SyncRejection,
    TeamRole,
    VerificationMethod,
)

MUTATIONS = ("capa.judge.v1", "capa.verify.v1")
TEXT_LIMIT = 10_000  # as the server takes it (sync.wire.CAPA_JUDGEMENT)


def is_lead(ws: Workspace) -> bool:
    return (
        ws.session.scalars(
            select(AuditTeamMember.id).where(
                AuditTeamMember.audit_id == ws.audit.id,
                AuditTeamMember.user_id == ws.user_id,
                AuditTeamMember.role == TeamRole.LEAD,
            )
        ).first()
        is not None
    )


def pending(ws: Workspace) -> dict[str, OutboxEntry]:
    """Corrective action id -> its judgement waiting to be sent."""
    entries = ws.session.scalars(
        select(OutboxEntry).where(
            OutboxEntry.audit_id == ws.audit.id, OutboxEntry.name.in_(MUTATIONS)
        )
    )
    return {e.entity_id: e for e in entries}


def refusals(ws: Workspace) -> dict[str, SyncRejection]:
    """Corrective action id -> the server's latest open refusal of a judgement of it."""
    rows = ws.session.scalars(
        select(SyncRejection)
        .where(
            SyncRejection.audit_id == ws.audit.id,
            SyncRejection.name.in_(MUTATIONS),
            SyncRejection.resolved_at.is_(None),
        )
        .order_by(SyncRejection.seq)
    )
    return {r.entity_id: r for r in rows}


def judge_plan(
    ws: Workspace, ca_id: uuid.UUID, revision: int, *, accept: bool, reason: str
) -> OutboxEntry:
    ca = _ready(ws, ca_id, revision, (CorrectiveActionStatus.SUBMITTED,))
    reason = _text(reason, f"reason-{ca.id}")
    if not accept and not reason:
        raise Invalid(
            {f"reason-{ca.id}": "Say why the plan is rejected: the client needs to know."}
        )
    payload = {"revision": revision, "verdict": "accept" if accept else "reject", "reason": reason}
    return ws.record("capa.judge.v1", str(ca.id), ca.version, payload)


def verify(
    ws: Workspace, ca_id: uuid.UUID, revision: int, *, method: str, note: str
) -> OutboxEntry:
    ready = (
        CorrectiveActionStatus.PLAN_ACCEPTED,
        CorrectiveActionStatus.EVIDENCE_SUBMITTED,
        CorrectiveActionStatus.REOPENED,
    )
    ca = _ready(ws, ca_id, revision, ready)
    field = f"method-{ca.id}"
    try:
        how = VerificationMethod(method)
    except ValueError:
        raise Invalid({field: "Choose how the action was verified."}) from None
    finding = ws.session.get(Finding, ca.finding_id)
    assert finding is not None
    note = _text(note, f"note-{ca.id}")
    if how == VerificationMethod.DOCUMENT_REVIEW:
        with_plan = ca.status == CorrectiveActionStatus.PLAN_ACCEPTED and evidence_with_plan(ca)
        if ca.status != CorrectiveActionStatus.EVIDENCE_SUBMITTED and not with_plan:
            raise Invalid({field: "A document review needs evidence sent by the client."})
    else:
        if how == VerificationMethod.NEXT_AUDIT and finding.grade == Grade.MAJOR:
            raise Invalid(
                {field: "A major is verified before the decision, not at the next audit."}
            )
        if not note:
            raise Invalid({f"note-{ca.id}": "Say what was seen, and at which audit."})
    payload = {"revision": revision, "method": how.value, "note": note}
    return ws.record("capa.verify.v1", str(ca.id), ca.version, payload)


def _ready(
    ws: Workspace, ca_id: uuid.UUID, revision: int, statuses: tuple[CorrectiveActionStatus, ...]
) -> CorrectiveAction:
    if not workflow.is_open(ws.audit.status, workflow.Part.CORRECTIVE_ACTIONS):
        raise ReadOnly(workflow.status_label(ws.audit.status))
    if not is_lead(ws):
        raise Invalid({"capa": "Only the lead auditor judges corrective actions."})
    ca = ws.session.get(CorrectiveAction, ca_id)
    if ca is None or ca.audit_id != ws.audit.id:
        raise Invalid({"capa": "There is no such corrective action on this audit."})
    if str(ca.id) in pending(ws):
        raise Invalid({f"capa-{ca.id}": "Your judgement of this one is waiting to be sent."})
    if ca.status not in statuses or revision != ca.submitted_revision:
        raise Invalid({f"capa-{ca.id}": "This is no longer waiting for you: sync first."})
    return ca


def _text(value: str, field: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > TEXT_LIMIT:
        raise Invalid({field: f"Keep this under {TEXT_LIMIT:,} characters."})
    return value
