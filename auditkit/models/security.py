"""CB server only (the `server` migration branch): sessions, device keys, sign-in throttling.

Staff sessions live in the database, so signing out (or an admin disabling the account)
ends a session on every gunicorn worker at once; the cookie carries only a random session
key, stored here as its sha256. A device key is the Ed25519 public key a laptop registers
at login, which every audit package it exports is signed with. Throttle rows count recent
failed sign-ins per account and per address, in the database so every worker sees them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow


class StaffSession(Base):
    """A browser session of a CB user; ends at sign-out, on disabling, or when idle too long."""

    __tablename__ = "staff_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class DeviceKey(Base):
    """The Ed25519 public key a laptop registered at login (raw 32 bytes, hex)."""

    __tablename__ = "device_keys"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    public_key: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInThrottle(Base):
    """Recent failed sign-ins under one key ("account:<name>" or "address:<ip>")."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
