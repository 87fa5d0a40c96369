"""Laptop only: the outbox of local edits waiting to reach the CB server.

Every local edit writes its row and one outbox entry in the same transaction, so no edit
exists without an entry. Entries leave only when the server has acknowledged them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow


class OutboxEntry(Base):
    __tablename__ = "outbox"
    # AUTOINCREMENT: a sequence number is never reused, even after acknowledged rows leave.
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mutation_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80))  # e.g. "answer.set.v1"
    audit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audits.id"), index=True)
    entity_id: Mapped[str] = mapped_column(String(120))
    base_version: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
