"""The unit every capture function works in: one audit, one auditor, one session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import audit_log, workflow
from auditkit.capture.errors import ReadOnly, SignatureWouldBeVoided
from auditkit.checklists import IntegratedTree, integrate, parse_checklist
from auditkit.models import Audit, AuditClosure, LaptopIdentity, OutboxEntry, utcnow
from auditkit.photostore import PhotoStore

UNLINKED_DEVICE = uuid.UUID(int=0)


@dataclass
class Workspace:
    session: Session
    audit: Audit
    user_id: uuid.UUID
    # Where this laptop keeps photo bytes; when given, completeness lists photos whose
    # bytes are not there (None: unknown, e.g. a test that builds a workspace by hand).
    photos: PhotoStore | None = None

    def tree(self) -> IntegratedTree:
        """The audit's integrated checklist tree, from its pinned checklists (not cached;
        the field app keeps a cache of its own)."""
        return integrate(
            [
                parse_checklist(c.content, f"<pinned {c.checklist_id}>")
                for c in self.audit.checklists
            ]
        )

    def closure(self) -> AuditClosure | None:
        return self.session.scalars(
            select(AuditClosure).where(AuditClosure.audit_id == self.audit.id)
        ).first()

    def is_signed(self) -> bool:
        closure = self.closure()
        return closure is not None and closure.signed_at is not None

    def ensure_not_locked(self) -> None:
        if workflow.content_locked(self.audit.status):
            raise ReadOnly(workflow.status_label(self.audit.status))

    def ensure_editable(self, *, confirm_void: bool = False) -> None:
        """Refuse edits to a locked audit; void a signature only when the auditor confirmed."""
        self.ensure_not_locked()
        closure = self.closure()
        if closure is None or closure.signed_at is None:
            return
        if not confirm_void:
            raise SignatureWouldBeVoided()
        base = closure.version
        closure.signed_at = None
        closure.signed_by_id = None
        closure.signed_content_sha256 = None
        closure.auditee_name = ""
        closure.auditee_acknowledged_at = None
        closure.version += 1
        self.record("audit.signature_void.v1", str(closure.id), base, {})

    def record(
        self, name: str, entity_id: str, base_version: int | None, payload: dict[str, Any]
    ) -> OutboxEntry:
        """Queue the edit for the server and log it, in the caller's transaction."""
        entry = OutboxEntry(
            name=name,
            audit_id=self.audit.id,
            entity_id=entity_id,
            base_version=base_version,
            payload=payload,
        )
        self.session.add(entry)
        self.session.flush()
        audit_log.append(
            self.session,
            audit_log.device_chain(self._device_id()),
            name,
            audit_id=self.audit.id,
            actor_id=self.user_id,
            origin="this laptop",
            entity=name.split(".")[0],
            entity_id=entity_id,
            detail={"outbox_seq": entry.seq},
            at=utcnow(),  # the laptop's clock (a test may shift it)
        )
        return entry

    def _device_id(self) -> uuid.UUID:
        """This laptop's device id (its chain of events); a fixed one before it is linked."""
        identity = self.session.scalars(select(LaptopIdentity)).first()
        return identity.device_id if identity else UNLINKED_DEVICE
