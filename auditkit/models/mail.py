"""CB server only (the `server` migration branch): mail waiting to go out, and what went.

A message is written in the same transaction as the change that causes it (an invitation,
a released report, ...), so a change never commits without its message and a rolled-back
change sends nothing. It is sent after the commit, and retried until it goes or fails for
good (auditkit.mail.outbox). The rendered text stays in the row: what was sent can be shown.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow
from auditkit.models.enums import MailStatus, db_enum


class MailMessage(Base):
    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(40))  # the template: invitation, report_released...
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Whose mail it is, for the CB's lists (either may be empty).
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    audit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("audits.id", ondelete="SET NULL"), index=True
    )
    # What a reminder is about, so it goes once: "answer-reminder:<finding id>:<deadline>".
    topic: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[MailStatus] = mapped_column(
        db_enum(MailStatus, "mail_status"), default=MailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # while a sender has it (status SENDING)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str] = mapped_column(String(250), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
