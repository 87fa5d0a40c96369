"""A device's outbox, applied exactly once and in order, one transaction per batch."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

import sync.engine.capa_handlers  # noqa: F401  (the lead's judgement of corrective actions)
import sync.engine.handlers  # noqa: F401  (registers the mutation handlers)
import sync.engine.query_handlers  # noqa: F401  (and the answer to a reviewer query)
import sync.engine.submit  # noqa: F401
from auditkit.models import AppliedMutation, Audit, Device, User
from auditkit.unit_of_work import Actor, ServerWork
from sync import protocol
from sync.engine.apply import Mutation, Rejected, Seen, apply
from sync.engine.conflicts import restore_rows
from sync.engine.errors import ApiError

log = logging.getLogger(__name__)


def parse_mutations(
    body: dict[str, Any], *, limit: int = protocol.PUSH_MAX_MUTATIONS
) -> list[Mutation]:
    """The body's mutations, checked and in increasing seq order (ApiError 400 otherwise).

    `limit` is the push batch limit; an imported audit package (sync.package) allows more.
    """
    raw = body.get("mutations")
    if not isinstance(raw, list) or len(raw) > limit:
        raise ApiError(
            400,
            protocol.INVALID,
            f"mutations must be a list of at most {limit}.",
        )
    result = []
    for item in raw:
        try:
            result.append(
                Mutation(
                    seq=int(item["seq"]),
                    mutation_id=uuid.UUID(str(item["mutation_id"])),
                    name=str(item["name"]),
                    audit_id=uuid.UUID(str(item["audit_id"])),
                    entity_id=str(item.get("entity_id", "")),
                    base_version=None
                    if item.get("base_version") is None
                    else int(item["base_version"]),
                    payload=dict(item.get("payload") or {}),
                    client_time=_client_time(item.get("client_time")),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ApiError(
                400,
                protocol.INVALID,
                "Each mutation needs seq, mutation_id, name, audit_id and payload.",
            ) from exc
    if any(len(m.entity_id) > protocol.ENTITY_ID_MAX for m in result):
        raise ApiError(
            400, protocol.INVALID, f"entity_id is at most {protocol.ENTITY_ID_MAX} characters."
        )
    if any(
        not 1 <= m.seq <= protocol.INT_MAX
        or (m.base_version is not None and not 0 <= m.base_version <= protocol.INT_MAX)
        for m in result
    ):
        raise ApiError(400, protocol.INVALID, "seq or base_version is out of range.")
    seqs = [m.seq for m in result]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        raise ApiError(400, protocol.INVALID, "Mutations must come in increasing seq order.")
    return result


def _client_time(value: Any) -> datetime | None:
    """The laptop's clock when the edit was made: for the audit log only, so a bad one is
    simply not kept."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    # A clock years off (or a date a database cannot hold once made UTC) is not kept either.
    return moment if 2000 <= moment.year <= 2200 else None


def lock_device(session: Session, device_id: uuid.UUID) -> Device:
    """Serialise pushes of one device: a row lock on PostgreSQL, the write lock on SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("UPDATE devices SET last_seq = last_seq WHERE id = :id"), {"id": device_id.hex}
        )
        return session.get(Device, device_id, populate_existing=True)
    return session.get(Device, device_id, with_for_update=True, populate_existing=True)


def apply_in_order(
    session: Session,
    device_id: uuid.UUID,
    user: User,
    mutations: list[Mutation],
    *,
    client_schema: int = protocol.SCHEMA_VERSION,
) -> list[dict[str, Any]]:
    """Apply a device's mutations in one transaction: the push path, shared by imports.

    Each mutation runs in its own savepoint, so a rejection undoes only its own effect; its
    result is stored beside its effect and everything commits together (one commit per push,
    not per mutation). Stops at the first ApiError (seq gap, diverged device) after committing
    what came before; the error carries those results in `extra["results"]`. When the
    database fails, nothing of the batch is kept and the answer is a 503 to retry it whole.
    """
    results: list[dict[str, Any]] = []
    seen: Seen = {}  # each audit of the batch and the auditor's role in it
    work = ServerWork(session, Actor(user, f"laptop {device_id}", device_id))
    try:
        device = lock_device(session, device_id)
        _lock_audits(session, mutations)
        for mutation in mutations:
            try:
                results.append(_one(work, device, mutation, seen, client_schema))
            except ApiError as exc:
                session.commit()
                exc.extra["results"] = results
                raise
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.exception("push failed; the client will retry")
        raise ApiError(
            503, "try_again", "The server could not store this; try again.", results=[]
        ) from exc
    return results


def _lock_audits(session: Session, mutations: list[Mutation]) -> None:
    """Lock the batch's audits in one order, so two pushes never wait for each other in a cycle.

    SQLite has one writer at a time already (taken by lock_device).
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    ids = sorted({m.audit_id for m in mutations})
    if ids:
        session.execute(
            select(Audit.id).where(Audit.id.in_(ids)).order_by(Audit.id).with_for_update()
        )


def _one(
    work: ServerWork, device: Device, mutation: Mutation, seen: Seen, client_schema: int
) -> dict[str, Any]:
    session, user = work.session, work.actor.user
    if mutation.seq <= device.last_seq:
        prior = session.get(AppliedMutation, (device.id, mutation.seq))
        earlier = prior if prior is not None else _sent_by_user(session, user, mutation)
        if earlier is not None and earlier.mutation_id == mutation.mutation_id:
            return _result(earlier, duplicate=True, seq=mutation.seq)
        raise ApiError(
            409,
            protocol.DEVICE_DIVERGED,
            "This laptop's changes do not match what the server already has from it (was it "
            "restored from a backup?). Nothing was lost on the server; contact the CB.",
            last_seq=device.last_seq,
        )
    if mutation.seq > device.last_seq + 1:
        last = device.last_seq
        raise ApiError(
            409, protocol.SEQ_GAP, f"The server expects seq {last + 1} next.", last_seq=last
        )
    taken = session.scalars(
        select(AppliedMutation).where(AppliedMutation.mutation_id == mutation.mutation_id)
    ).first()
    if taken is not None:
        elsewhere = _sent_by_user(session, user, mutation)
        if elsewhere is None:  # another auditor's change id: never answer with their result
            raise ApiError(409, protocol.INVALID, "This change's id belongs to another laptop.")
        # Sent before by this user's earlier registration of the laptop: already applied.
        device.last_seq = mutation.seq
        return _result(elsewhere, duplicate=True, seq=mutation.seq)
    unstorable = _unstorable(mutation)
    record = AppliedMutation(
        device_id=device.id,
        seq=mutation.seq,
        mutation_id=mutation.mutation_id,
        name=mutation.name[:NAME_MAX],
        audit_id=mutation.audit_id,
        entity_id=mutation.entity_id.replace("\x00", "") if unstorable else mutation.entity_id,
        payload={} if unstorable else mutation.payload,
    )
    try:
        if unstorable:
            raise Rejected(protocol.INVALID, unstorable)
        with session.begin_nested():
            record.result = apply(work, mutation, seen=seen, client_schema=client_schema)
            record.status = "applied"
    except Rejected as exc:
        record.status, record.code, record.message = "rejected", exc.code, exc.message
        record.result = exc.detail
        if exc.code in (protocol.CONFLICT, protocol.BASE_VERSION_AHEAD):
            # The laptop takes the server's rows back, so its next edit has a true base.
            record.result = {**exc.detail, "restore": restore_rows(session, mutation)}
    except (IntegrityError, DataError) as exc:
        # A change that breaks a database rule (a unique key, a column's size) fails the same
        # way on every retry: refuse it for good, so the changes after it are not held up.
        # The savepoint undid its effect. Lost connections and deadlocks stay retryable (503).
        log.warning("mutation %s refused by a database rule: %s", mutation.mutation_id, exc.orig)
        record.status, record.code = "rejected", protocol.DATABASE_RULE
        record.message = "The server cannot store this change: it breaks a rule of its database."
        record.result = {}
    session.add(record)
    device.last_seq = mutation.seq
    session.flush()
    _log_event(work, mutation, record, seen)
    return _result(record)


NAME_MAX = 80  # AppliedMutation.name


def _unstorable(mutation: Mutation) -> str | None:
    """Why the change cannot even be recorded as sent, or None.

    PostgreSQL keeps no NUL character in text or JSON, and a name longer than its column
    does not fit: such a change is refused (and recorded without its payload) before it
    reaches the database, where it would fail the whole batch on every retry.
    """
    if len(mutation.name) > NAME_MAX:
        return f"The change's name is longer than {NAME_MAX} characters."
    if "\x00" in mutation.entity_id or _has_nul(mutation.payload):
        return "The change holds a NUL character (\\u0000), which the server cannot store."
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _log_event(work: ServerWork, mutation: Mutation, record: AppliedMutation, seen: Seen) -> None:
    """The audit log keeps every change a laptop sent, applied or refused, with its clock."""
    audit, role = seen.get(mutation.audit_id, (None, None))
    detail: dict[str, Any] = {
        "seq": mutation.seq,
        "mutation_id": str(mutation.mutation_id),
        "status": record.status,
    }
    if record.status == "rejected":
        detail["code"] = record.code
    work.event(
        record.name,
        audit_id=audit.id if audit is not None and role is not None else None,
        entity=record.name.split(".")[0][:40],
        entity_id=record.entity_id,
        detail=detail if audit is not None else {**detail, "audit_id": str(mutation.audit_id)},
        device_time=mutation.client_time,
    )


def _sent_by_user(session: Session, user, mutation: Mutation) -> AppliedMutation | None:  # type: ignore[no-untyped-def]
    """The same change applied from another laptop registration of the same auditor."""
    return session.scalars(
        select(AppliedMutation)
        .join(Device, Device.id == AppliedMutation.device_id)
        .where(AppliedMutation.mutation_id == mutation.mutation_id, Device.user_id == user.id)
    ).first()


def _result(
    record: AppliedMutation, *, duplicate: bool = False, seq: int | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "seq": seq if seq is not None else record.seq,
        "mutation_id": str(record.mutation_id),
        "status": "duplicate" if duplicate else record.status,
        "original_status": record.status,
        "result": record.result or {},
    }
    if record.status == "rejected":
        result["code"] = record.code
        result["message"] = record.message
    return result
