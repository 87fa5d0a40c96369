"""What sync keeps, on the server and on the laptop.

Server: device tokens (hashed), every mutation a device sent with its result, the change
log that pull pages through, and verified photo blobs with upload progress.
Laptop: the pull cursor, rejections to show the auditor, and which blobs the server has.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow

# ---- server ----


class DeviceToken(Base):
    """An access or refresh token of a device; only its sha256 is stored."""

    __tablename__ = "device_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # "access" | "refresh"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppliedMutation(Base):
    """One mutation of one device, recorded in the same transaction as its effect."""

    __tablename__ = "applied_mutations"

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mutation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(80))
    audit_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    entity_id: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20))  # "applied" | "rejected"
    code: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A conflict stays open (and blocks submit) until its auditor settles it on the laptop,
    # which sends conflict.resolve.v1: then this is when.
    settled_at: Mapped[datetime | None]


class SyncChange(Base):
    """The change log: pull returns the rows named here, after a cursor, per audit."""

    __tablename__ = "sync_changes"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(120))
    # Which laptop made the change (None: the CB), and the audit's content version after it.
    device_id: Mapped[uuid.UUID | None]
    content_version: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Blob(Base):
    """A photo's bytes, verified against their sha256, in the server's blob folder."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobUpload(Base):
    """An upload in progress, shared by all devices (trunk table; no longer written).

    The server keeps uploads per device since its migration s0003 (DeviceUpload, a table of
    the server branch), so that one laptop's half-finished upload cannot block another's.
    """

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    offset: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ---- laptop ----


class SyncState(Base):
    """Laptop only: where pull has got to, and how the last sync ended (one row)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    cursor: Mapped[int] = mapped_column(default=0)
    last_sync_at: Mapped[datetime | None]
    last_result: Mapped[str] = mapped_column(Text, default="")


class SyncRejection(Base):
    """Laptop only: a mutation the server refused for good, kept for the auditor to see."""

    __tablename__ = "sync_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    mutation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(80))
    audit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    entity_id: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    server_row: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class UploadedBlob(Base):
    """Laptop only: photo bytes the server has verified; never sent again."""

    __tablename__ = "uploaded_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
