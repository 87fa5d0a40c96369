"""The organisation's answer to each nonconformity and the CB's evaluation and verification
of it (auditkit.corrective_actions; ISO/IEC 17021-1 9.4.9-9.4.10, DOMAIN.md 1.6).

One CorrectiveAction per nonconformity holds where it stands and how it was verified. Every
submission is a revision, kept as sent: the plan (correction, root cause, corrective action
and its due date) and later the evidence that it was done, each with the CB's judgement.
At most one revision, the newest, is an unsent draft. Evidence files are stored by their
sha256 in the evidence store (auditkit.evidence_files), never in the photos' blob store.
Trunk tables: the lead's laptop receives them at sync to evaluate offline.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, Timestamps, utcnow
from auditkit.models.enums import CorrectiveActionStatus, db_enum


class CorrectiveAction(Base, Timestamps):
    __tablename__ = "corrective_actions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), unique=True
    )
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CorrectiveActionStatus] = mapped_column(
        db_enum(CorrectiveActionStatus, "capa_status"), default=CorrectiveActionStatus.DRAFT
    )
    # The number of the newest submitted revision (0 before the first submission).
    submitted_revision: Mapped[int] = mapped_column(default=0)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    verified_by_name: Mapped[str] = mapped_column(String(200), default="")
    verification_method: Mapped[str] = mapped_column(String(32), default="")
    verification_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)  # rises with every change

    revisions: Mapped[list[CorrectiveActionRevision]] = relationship(
        back_populates="corrective_action",
        order_by="CorrectiveActionRevision.number",
        cascade="all, delete-orphan",
    )


class CorrectiveActionRevision(Base):
    __tablename__ = "corrective_action_revisions"
    __table_args__ = (UniqueConstraint("corrective_action_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    corrective_action_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("corrective_actions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    stage: Mapped[str] = mapped_column(String(16))  # "plan" or "evidence"
    correction: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")  # the corrective action
    action_due: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")  # with evidence: what was done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]  # None: a draft
    submitted_by_name: Mapped[str] = mapped_column(String(200), default="")
    # "accept" or "reject" once the CB has judged it (the verdicts of capa.judge.v1), with
    # who, when and why.
    judgement: Mapped[str] = mapped_column(String(16), default="")
    judged_at: Mapped[datetime | None]
    judged_by_name: Mapped[str] = mapped_column(String(200), default="")
    judgement_reason: Mapped[str] = mapped_column(Text, default="")

    corrective_action: Mapped[CorrectiveAction] = relationship(back_populates="revisions")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="revision", order_by="EvidenceFile.uploaded_at", cascade="all, delete-orphan"
    )


class EvidenceFile(Base):
    __tablename__ = "evidence_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    revision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("corrective_action_revisions.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_name: Mapped[str] = mapped_column(String(200), default="")

    revision: Mapped[CorrectiveActionRevision] = relationship(back_populates="files")
