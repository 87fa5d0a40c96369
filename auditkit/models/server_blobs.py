"""CB server only (the `server` migration branch): who holds which blob, uploads per device.

A laptop reads a photo's bytes through the audits it may pull, or because it sent them
itself; so the server records which device proved it holds a blob's bytes (it uploaded them
whole and they matched their sha256, or an imported package of that device carried them).
Uploads in progress are per device and blob, each with its own partial file, so one
laptop's half-finished upload never stands in another's way.

The trunk's `blob_uploads` table (one upload per blob, shared by everyone) is no longer
written on the server; laptops, which run the trunk only, never used it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow


class BlobHolder(Base):
    """A device that showed it has a stored blob's bytes: it sent all of them, verified."""

    __tablename__ = "blob_holders"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # When the bytes last arrived from this device: gc keeps an unnamed blob for a grace
    # period after this (the push naming it follows the upload).
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DeviceUpload(Base):
    """One device's upload of one blob in progress: how many bytes of its size arrived."""

    __tablename__ = "device_uploads"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    offset: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last chunk's time: idle longer than protocol.UPLOAD_IDLE_SECONDS, the upload lapses.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
