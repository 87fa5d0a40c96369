"""CB server only (the `server` migration branch): a client's request for more time to answer
a nonconformity, and the CB's grant or refusal with the reason (auditkit.corrective_actions
.extensions). A granted request moves the answer's deadline to the day asked for."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow


class DeadlineExtension(Base):
    __tablename__ = "deadline_extensions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    until: Mapped[date]  # the answer's new deadline, as asked for
    reason: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(16), default="")  # granted, refused, or ""
    decided_at: Mapped[datetime | None]
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
