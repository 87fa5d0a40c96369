"""The laptop's outbox as sync sees it: batches to send, acknowledgements, rejections."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auditkit.models import Finding, OutboxEntry, Photo, SyncRejection, UploadedBlob
from sync import protocol
from sync.client.apply_pull import PullApplier, take_local_number


def pending(session: Session) -> list[OutboxEntry]:
    return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))


def batches(entries: list[OutboxEntry]) -> list[list[OutboxEntry]]:
    """Consecutive groups within the push limits (count and bytes)."""
    result: list[list[OutboxEntry]] = []
    current: list[OutboxEntry] = []
    size = 0
    for entry in entries:
        cost = len(json.dumps(entry.payload)) + 300
        if current and (
            len(current) >= protocol.PUSH_MAX_MUTATIONS or size + cost > protocol.PUSH_BATCH_BYTES
        ):
            result.append(current)
            current, size = [], 0
        current.append(entry)
        size += cost
    if current:
        result.append(current)
    return result


def wire(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "mutation_id": str(entry.mutation_id),
        "name": entry.name,
        "audit_id": str(entry.audit_id),
        "entity_id": entry.entity_id,
        "base_version": entry.base_version,
        "payload": entry.payload,
        "client_time": entry.created_at.isoformat(),
    }


def acknowledge(session: Session, entry: OutboxEntry, result: dict[str, Any]) -> None:
    """The server has it: keep what it said, then let the entry go (same transaction)."""
    status = result.get("original_status", result.get("status"))
    _photo_bytes(session, entry, status, result)
    if status == "rejected":
        session.add(
            SyncRejection(
                seq=entry.seq,
                mutation_id=entry.mutation_id,
                name=entry.name,
                audit_id=entry.audit_id,
                entity_id=entry.entity_id,
                code=str(result.get("code", "")),
                message=str(result.get("message", "")),
                payload=entry.payload,
                server_row=(result.get("result") or {}).get("server_row") or {},
            )
        )
    else:
        _adopt(session, entry, result.get("result") or {})
    session.delete(entry)
    restore = (result.get("result") or {}).get("restore")
    if status == "rejected" and restore:
        session.flush()  # the refused entry no longer keeps its row from being restored
        PullApplier(session).changes(restore)


def _photo_bytes(session: Session, entry: OutboxEntry, status: str, result: dict[str, Any]) -> None:
    """The server says it lacks a photo's bytes after all: send them at the next sync.

    It may have removed them as unreferenced when the push naming them came long after
    they were sent (blob_missing), or it refused the photo because it holds those bytes
    from others only (blob_not_yours): either way this laptop sends them again.
    """
    if not entry.name.startswith("photo.add."):
        return
    missing = status != "rejected" and (result.get("result") or {}).get("blob_missing")
    refused = status == "rejected" and result.get("code") == protocol.BLOB_NOT_YOURS
    sha = str(entry.payload.get("sha256", ""))
    if (missing or refused) and sha:
        session.execute(delete(UploadedBlob).where(UploadedBlob.sha256 == sha))


def _adopt(session: Session, entry: OutboxEntry, result: dict[str, Any]) -> None:
    """Take the server's final finding number, and its draft number when it gave another."""
    if entry.name == "finding.create.v1" and result.get("number"):
        finding = session.get(Finding, uuid.UUID(entry.entity_id))
        if finding is not None:
            finding.number = result["number"]
            if isinstance(result.get("local_number"), int):
                take_local_number(session, finding, result["local_number"])


def blobs_to_send(session: Session, *, removed: bool = True) -> list[tuple[str, int]]:
    """Photo bytes on this laptop that the server has not verified yet.

    With removed=False, only those of photos not removed: a removed photo's bytes are still
    sent when they are here (the server may hold its row), but once a photo whose file was
    lost is removed, nothing waits for its bytes any more.
    """
    sent = select(UploadedBlob.sha256)
    query = select(Photo.sha256, Photo.size).where(Photo.sha256.not_in(sent))
    if not removed:
        query = query.where(Photo.deleted_at.is_(None))
    return [(sha, size) for sha, size in session.execute(query.distinct())]


def mark_uploaded(session: Session, sha256: str) -> None:
    if session.get(UploadedBlob, sha256) is None:
        session.add(UploadedBlob(sha256=sha256))


def forget_acknowledged(session: Session, seqs: list[int]) -> None:
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq.in_(seqs)))
