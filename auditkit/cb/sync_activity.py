"""What the CB sees of an audit's sync: each laptop's last change, and every refused change.

Refused changes are kept on the server with their payload (a change sent after the audit was
submitted, an invalid one, a conflict); reviewers see them here, with whether a conflict was
settled by its auditor. No Flask here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditkit import labels
from auditkit.models import AppliedMutation, Device, User
from sync import protocol

PAYLOAD_PREVIEW = 600  # characters of a refused change's payload shown on the page


@dataclass(frozen=True)
class LaptopActivity:
    auditor: str
    device_id: uuid.UUID
    label: str
    changes: int
    refused: int
    last_change_at: datetime


@dataclass(frozen=True)
class RefusedChange:
    at: datetime
    auditor: str
    seq: int
    what: str
    entity_id: str
    code: str
    reason: str
    message: str
    payload: str
    open_conflict: bool
    settled_at: datetime | None


@dataclass(frozen=True)
class SyncActivity:
    laptops: list[LaptopActivity]
    refused: list[RefusedChange]

    @property
    def open_conflicts(self) -> int:
        return sum(1 for r in self.refused if r.open_conflict)


def sync_activity(session: Session, audit_id: uuid.UUID) -> SyncActivity:
    laptops = [
        LaptopActivity(full_name, device_id, label, changes, refused, last)
        for full_name, device_id, label, changes, refused, last in session.execute(
            select(
                User.full_name,
                Device.id,
                Device.label,
                func.count(),
                func.count().filter(AppliedMutation.status == "rejected"),
                func.max(AppliedMutation.applied_at),
            )
            .join(Device, Device.id == AppliedMutation.device_id)
            .join(User, User.id == Device.user_id)
            .where(AppliedMutation.audit_id == audit_id)
            .group_by(User.full_name, Device.id, Device.label)
            .order_by(func.max(AppliedMutation.applied_at).desc())
        )
    ]
    refused = [
        _refused(record, full_name)
        for record, full_name in session.execute(
            select(AppliedMutation, User.full_name)
            .join(Device, Device.id == AppliedMutation.device_id)
            .join(User, User.id == Device.user_id)
            .where(AppliedMutation.audit_id == audit_id, AppliedMutation.status == "rejected")
            .order_by(AppliedMutation.applied_at.desc(), AppliedMutation.seq.desc())
        )
    ]
    return SyncActivity(laptops, refused)


def _refused(record: AppliedMutation, auditor: str) -> RefusedChange:
    payload = json.dumps(record.payload, ensure_ascii=False, sort_keys=True)
    if len(payload) > PAYLOAD_PREVIEW:
        payload = payload[:PAYLOAD_PREVIEW] + "…"
    conflict = record.code == protocol.CONFLICT
    return RefusedChange(
        at=record.applied_at,
        auditor=auditor,
        seq=record.seq,
        what=labels.mutation_label(record.name),
        entity_id=record.entity_id,
        code=record.code,
        reason=labels.REFUSAL_LABELS.get(record.code, record.code),
        message=record.message,
        payload=payload,
        open_conflict=conflict and record.settled_at is None,
        settled_at=record.settled_at if conflict else None,
    )
