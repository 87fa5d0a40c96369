"""POST /push: a device's outbox, applied exactly once and in order, one transaction each."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, g
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import sync.server.handlers  # noqa: F401  (registers the mutation handlers)
import sync.server.submit  # noqa: F401
from auditkit.models import AppliedMutation, Audit, Device, User
from auditkit.web.database import db_session
from sync import protocol
from sync.server.apply import Mutation, Rejected, Seen, apply
from sync.server.conflicts import restore_rows
from sync.server.errors import ApiError, json_body

log = logging.getLogger(__name__)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/push", "push", push, methods=["POST"])


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
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(
                400,
                protocol.INVALID,
                "Each mutation needs seq, mutation_id, name, audit_id and payload.",
            ) from exc
    if any(len(m.entity_id) > protocol.ENTITY_ID_MAX for m in result):
        raise ApiError(
            400, protocol.INVALID, f"entity_id is at most {protocol.ENTITY_ID_MAX} characters."
        )
    seqs = [m.seq for m in result]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        raise ApiError(400, protocol.INVALID, "Mutations must come in increasing seq order.")
    return result


def lock_device(session: Session, device_id: uuid.UUID) -> Device:
    """Serialise pushes of one device: a row lock on PostgreSQL, the write lock on SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("UPDATE devices SET last_seq = last_seq WHERE id = :id"), {"id": device_id.hex}
        )
        return session.get(Device, device_id, populate_existing=True)
    return session.get(Device, device_id, with_for_update=True, populate_existing=True)


def push():  # type: ignore[no-untyped-def]
    """Apply mutations in seq order; each result is stored in the transaction of its effect."""
    body = json_body()
    device_id = g.sync_device.id
    user = g.sync_user
    if str(body.get("device_id", "")) != str(device_id):
        raise ApiError(403, protocol.UNAUTHORIZED, "The token belongs to another device.")
    mutations = parse_mutations(body)
    session = db_session()
    session.commit()  # end the auth lookups' transaction; the batch gets its own
    results = apply_in_order(
        session,
        device_id,
        user,
        mutations,
        client_schema=g.get("sync_schema", protocol.SCHEMA_VERSION),
    )
    device = session.get(Device, device_id, populate_existing=True)
    return {"last_seq": device.last_seq, "results": results}


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
    try:
        device = lock_device(session, device_id)
        _lock_audits(session, mutations)
        for mutation in mutations:
            try:
                results.append(_one(session, device, user, mutation, seen, client_schema))
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
    session: Session, device: Device, user, mutation: Mutation, seen: Seen, client_schema: int
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
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
    record = AppliedMutation(
        device_id=device.id,
        seq=mutation.seq,
        mutation_id=mutation.mutation_id,
        name=mutation.name,
        audit_id=mutation.audit_id,
        entity_id=mutation.entity_id,
        payload=mutation.payload,
    )
    try:
        with session.begin_nested():
            record.result = apply(
                session, user, mutation, device_id=device.id, seen=seen, client_schema=client_schema
            )
            record.status = "applied"
    except Rejected as exc:
        record.status, record.code, record.message = "rejected", exc.code, exc.message
        record.result = exc.detail
        if exc.code == protocol.CONFLICT:
            record.result = {**exc.detail, "restore": restore_rows(session, mutation)}
    session.add(record)
    device.last_seq = mutation.seq
    session.flush()
    return _result(record)


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
