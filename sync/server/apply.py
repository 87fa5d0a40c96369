"""Applying one mutation on the server: who may, to which audit, and field-level conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.models import (
    Audit,
    AuditStatus,
    AuditTeamMember,
    SyncChange,
    TeamRole,
    User,
)
from sync import protocol, schema

LOCKED = frozenset({AuditStatus.SUBMITTED, AuditStatus.ACCEPTED, AuditStatus.DECIDED})


class Rejected(Exception):
    """A permanent refusal: recorded with the mutation, reported, never retried."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


@dataclass
class Mutation:
    seq: int
    mutation_id: uuid.UUID
    name: str
    audit_id: uuid.UUID
    entity_id: str
    base_version: int | None
    payload: dict[str, Any]


@dataclass
class Context:
    """What a handler works with: the session, the auditor, the audit and their role in it."""

    session: Session
    user: User
    audit: Audit
    role: TeamRole
    device_id: uuid.UUID | None = None

    def changed(self, entity: str, entity_id: str) -> None:
        """Log a change for pull and count it in the audit's content version."""
        self.audit.content_version += 1
        self.session.add(
            SyncChange(
                audit_id=self.audit.id,
                entity=entity,
                entity_id=entity_id,
                device_id=self.device_id,
                content_version=self.audit.content_version,
            )
        )


Handler = Callable[[Context, Mutation], dict[str, Any]]
# Per batch: audit id -> (the audit, held so it stays in the session; the auditor's role).
Seen = dict[uuid.UUID, tuple[Audit | None, TeamRole | None]]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def apply(
    session: Session,
    user: User,
    mutation: Mutation,
    *,
    device_id: uuid.UUID | None = None,
    seen: Seen | None = None,
    client_schema: int = protocol.SCHEMA_VERSION,
) -> dict[str, Any]:
    """Apply one mutation (or raise Rejected); the caller owns the transaction.

    A mutation from a laptop of an older schema is upcast first (sync.schema).

    The caller has locked the audit (sync.server.push locks a batch's audits first).
    `seen` keeps each audit and the auditor's role in it across one batch.
    """
    fn = HANDLERS.get(mutation.name)
    if fn is None:
        raise Rejected(protocol.UNKNOWN_MUTATION, f"This server does not know {mutation.name!r}.")
    seen = {} if seen is None else seen
    if mutation.audit_id not in seen:
        found = session.get(Audit, mutation.audit_id)
        role = None
        if found is not None:
            role = session.scalars(
                select(AuditTeamMember.role).where(
                    AuditTeamMember.audit_id == found.id, AuditTeamMember.user_id == user.id
                )
            ).first()
        seen[mutation.audit_id] = (found, role)
    audit, role = seen[mutation.audit_id]
    if audit is None or role is None:
        raise Rejected(protocol.NOT_ON_TEAM, "You are not on the team of this audit.")
    if audit.status in LOCKED:
        raise Rejected(
            protocol.AUDIT_LOCKED,
            f"The audit is {audit.status.value}; changes are no longer accepted.",
        )
    if audit.status == AuditStatus.PLANNED:
        change_status(session, audit, AuditStatus.IN_PROGRESS, device_id=device_id)
    if client_schema < protocol.SCHEMA_VERSION:
        payload = schema.upcast(
            mutation.name,
            mutation.payload,
            client_schema,
            audit_type=audit.audit_type.value,
            vca_only=audit.covers_vca and not audit.covers_management_system,
        )
        mutation = replace(mutation, payload=payload)
    return fn(Context(session, user, audit, role, device_id), mutation)


def change_status(
    session: Session, audit: Audit, status: AuditStatus, *, device_id: uuid.UUID | None = None
) -> None:
    """Move the audit to `status` and log it, so every team laptop learns it at its next pull.

    `device_id` is the laptop whose change caused it; None for the CB's own decisions.
    """
    audit.status = status
    audit.status_version += 1
    session.add(
        SyncChange(
            audit_id=audit.id,
            entity="audit",
            entity_id=str(audit.id),
            device_id=device_id,
            content_version=audit.content_version,
        )
    )


def check_and_stamp(
    row: Any,
    fields: list[str],
    base_version: int | None,
    server_row: Callable[[], dict[str, Any]],
    *,
    created: bool = False,
) -> None:
    """Field-level optimistic concurrency: refuse when a touched field changed after the base.

    An edit from a stale base that touches only fields nobody else changed is applied.
    The row's version rises by one and each touched field remembers that version.
    """
    if not created and base_version != row.version:
        base = base_version or 0
        versions = row.field_versions or {}
        clashing = sorted(f for f in fields if int(versions.get(f, 0)) > base)
        if clashing:
            raise Rejected(
                protocol.CONFLICT,
                "Someone else changed " + ", ".join(clashing) + " since your copy; "
                "both values are kept for you to choose.",
                fields=clashing,
                server_row=server_row(),
            )
    row.version = 1 if created else (row.version or 0) + 1
    versions = dict(row.field_versions or {})
    for name in fields:
        versions[name] = row.version
    row.field_versions = versions


def text(payload: dict[str, Any], name: str, limit: int = 20_000) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise Rejected(protocol.INVALID, f"{name} must be text of at most {limit} characters.")
    return value


def uuid_of(value: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Rejected(protocol.INVALID, f"{what} is not a valid id.") from exc
