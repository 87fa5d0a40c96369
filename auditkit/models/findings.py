"""What the audit team records: answers to checklist items, findings, photos, evidence links."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.audits import Interviewee, SampledRecord
from auditkit.models.base import Base, LaptopRecord
from auditkit.models.enums import Grade, Verdict, db_enum


def _link_table(name: str, owner: str, target: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column(f"{owner}_id", ForeignKey(f"{owner}s.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{target}_id", ForeignKey(f"{target}s.id", ondelete="CASCADE"), primary_key=True),
    )


response_interviewees = _link_table("response_interviewees", "response", "interviewee")
response_sampled_records = _link_table("response_sampled_records", "response", "sampled_record")
finding_interviewees = _link_table("finding_interviewees", "finding", "interviewee")
finding_sampled_records = _link_table("finding_sampled_records", "finding", "sampled_record")
finding_responses = _link_table("finding_responses", "finding", "response")


class Response(Base, LaptopRecord):
    """The answer to one checklist item of one audit (item key `checklist:question`)."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("audit_id", "item_key"),)

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    item_key: Mapped[str] = mapped_column(String(120))
    verdict: Mapped[Verdict | None] = mapped_column(db_enum(Verdict, "verdict"))
    notes: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    # Documents seen: [{"title": ..., "reference": ..., "revision": ...}]
    documents: Mapped[list[Any]] = mapped_column(default=list)
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    interviewees: Mapped[list[Interviewee]] = relationship(secondary=response_interviewees)
    sampled_records: Mapped[list[SampledRecord]] = relationship(secondary=response_sampled_records)


class Finding(Base, LaptopRecord):
    """A graded finding tied to one or more clauses, with its objective evidence."""

    __tablename__ = "findings"
    # Provisional numbers are per laptop user; teammates' P1s may meet on the server.
    __table_args__ = (UniqueConstraint("audit_id", "created_by_id", "local_number"),)

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    local_number: Mapped[int]
    number: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[Grade] = mapped_column(db_enum(Grade, "grade"))
    requirement: Mapped[str] = mapped_column(Text, default="")
    objective_evidence: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    extent: Mapped[str] = mapped_column(String(200), default="")
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    process: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]

    clauses: Mapped[list[FindingClause]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="FindingClause.position"
    )
    interviewees: Mapped[list[Interviewee]] = relationship(secondary=finding_interviewees)
    sampled_records: Mapped[list[SampledRecord]] = relationship(secondary=finding_sampled_records)
    responses: Mapped[list[Response]] = relationship(secondary=finding_responses)


class FindingClause(Base):
    """One clause a finding is raised against, in one standard of the audit."""

    __tablename__ = "finding_clauses"
    __table_args__ = (UniqueConstraint("finding_id", "checklist_id", "clause_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    checklist_id: Mapped[str] = mapped_column(String(80))
    clause_number: Mapped[str] = mapped_column(String(40))
    # A list item or paragraph within the clause, as text: "c)" in "9.2.2 c)".
    detail: Mapped[str] = mapped_column(String(40), default="")

    finding: Mapped[Finding] = relationship(back_populates="clauses")


class Photo(Base, LaptopRecord):
    """A normalised photo; its bytes live in the photo store under their sha256."""

    __tablename__ = "photos"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None]
    caption: Mapped[str] = mapped_column(Text, default="")
    response_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )
    finding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("findings.id", ondelete="SET NULL"), index=True
    )
    # An annotated copy names the photo it was drawn on; that original keeps its bytes.
    annotated_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("photos.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]
