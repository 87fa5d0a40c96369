"""CB server only (the `server` migration branch): the client portal's own accounts.

A portal account belongs to one contact of one organisation and is separate from the staff
accounts (`users`): its own sign-in, its own sessions, no roles. Everything a contact sees
is scoped by `organisation_id` (auditkit.portal.records). An account has no password until
the contact follows an invitation (single use, expiring; only its sha256 is stored) and
chooses one. Disabling it ends its sessions and voids its open invitations.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, utcnow
from auditkit.models.parties import Contact, Organisation


class PortalAccount(Base):
    __tablename__ = "portal_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case: the sign-in name
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]  # when the contact first chose a password
    last_sign_in_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_by_name: Mapped[str] = mapped_column(String(200), default="")

    contact: Mapped[Contact] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and bool(self.password_hash)


class PortalInvitation(Base):
    __tablename__ = "portal_invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]  # a newer invitation, or the account was disabled


class PortalSession(Base):
    __tablename__ = "portal_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
