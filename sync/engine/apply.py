"""Applying one mutation on the server: who may, to which audit, and field-level conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from auditkit import workflow
from auditkit.models import (
    Audit,
    TeamRole,
    User,
)
from auditkit.unit_of_work import ServerWork
from sync import protocol, schema


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
    client_time: datetime | None = (
        None  # the laptop's clock: kept in the audit log, never merged on
    )


@dataclass
class Context:
    """What a handler works with: the unit of work, the auditor, the audit and their role."""

    work: ServerWork
    audit: Audit
    role: TeamRole

    @property
    def session(self) -> Session:
        return self.work.session

    @property
    def user(self) -> User:
        assert self.work.actor.user is not None
        return self.work.actor.user

    @property
    def device_id(self) -> uuid.UUID | None:
        return self.work.actor.device_id

    def changed(self, entity: str, entity_id: str) -> None:
        """Log a change for pull and count it in the audit's content version."""
        self.work.changed(self.audit, entity, entity_id)


Handler = Callable[[Context, Mutation], dict[str, Any]]
# Per batch: audit id -> (the audit, held so it stays in the session; the auditor's role).
Seen = dict[uuid.UUID, tuple[Audit | None, TeamRole | None]]
HANDLERS: dict[str, Handler] = {}
# What part of the audit each mutation changes (auditkit.workflow); None: the handler asks the
# workflow itself (submit is a move).
PARTS: dict[str, workflow.Part | None] = {}


def handler(
    name: str, part: workflow.Part | None = workflow.Part.CONTENT
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        PARTS[name] = part
        return fn

    return register


def apply(
    work: ServerWork,
    mutation: Mutation,
    *,
    seen: Seen | None = None,
    client_schema: int = protocol.SCHEMA_VERSION,
) -> dict[str, Any]:
    """Apply one mutation (or raise Rejected); the caller owns the transaction.

    A mutation from a laptop of an older schema is upcast first (sync.schema).

    The caller has locked the audit (sync.engine.push locks a batch's audits first).
    `seen` keeps each audit and the auditor's role in it across one batch.
    """
    session = work.session
    fn = HANDLERS.get(mutation.name)
    if fn is None:
        raise Rejected(protocol.UNKNOWN_MUTATION, f"This server does not know {mutation.name!r}.")
    seen = {} if seen is None else seen
    if mutation.audit_id not in seen:
        found = session.get(Audit, mutation.audit_id)
        seen[mutation.audit_id] = (found, work.team_role(found) if found is not None else None)
    audit, role = seen[mutation.audit_id]
    if audit is None or role is None:
        raise Rejected(protocol.NOT_ON_TEAM, "You are not on the team of this audit.")
    part = PARTS[mutation.name]
    if part is not None and not workflow.is_open(audit.status, part):
        raise Rejected(
            protocol.AUDIT_LOCKED,
            f"The audit is {workflow.status_label(audit.status)}; changes are no longer accepted.",
        )
    if "start" in {m.name for m in workflow.moves_from(audit.status)}:
        work.move(audit, "start")  # the team's first change starts the audit
    if client_schema < protocol.SCHEMA_VERSION:
        payload = schema.upcast(
            mutation.name,
            mutation.payload,
            client_schema,
            audit_type=audit.audit_type.value,
            vca_only=audit.covers_vca and not audit.covers_management_system,
        )
        mutation = replace(mutation, payload=payload)
    return fn(Context(work, audit, role), mutation)


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
    if not created and base_version is not None and base_version > (row.version or 0):
        # Versions come from the server; a base above its own was never handed out.
        raise Rejected(
            protocol.BASE_VERSION_AHEAD,
            f"This change is based on version {base_version} of the record, but the server "
            f"has only reached version {row.version or 0}; its copy is sent back to you.",
            server_row=server_row(),
        )
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
