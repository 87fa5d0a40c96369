"""An audit, its team, the checklists it pinned, and the records of conducting it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from auditkit.models.base import Base, LaptopRecord, Timestamps
from auditkit.models.enums import (
    AuditStatus,
    AuditType,
    MeetingKind,
    Recommendation,
    TeamRole,
    db_enum,
)

if TYPE_CHECKING:
    from auditkit.models.findings import Finding, Photo, Response
    from auditkit.models.parties import Organisation, Site, User

audit_sites = Table(
    "audit_sites",
    Base.metadata,
    Column("audit_id", ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Audit(Base, Timestamps):
    """One audit of one client: planned on the server, conducted on laptops."""

    __tablename__ = "audits"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    audit_type: Mapped[AuditType] = mapped_column(db_enum(AuditType, "audit_type"))
    status: Mapped[AuditStatus] = mapped_column(
        db_enum(AuditStatus, "audit_status"), default=AuditStatus.PLANNED
    )
    status_version: Mapped[int] = mapped_column(default=1)
    round: Mapped[int] = mapped_column(default=1)
    # Rises with every change a laptop's mutation makes; submit names the one it saw last.
    content_version: Mapped[int] = mapped_column(default=0)
    start_date: Mapped[date]
    end_date: Mapped[date]
    objectives: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    planned_days: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    remote_use: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="en")

    organisation: Mapped[Organisation] = relationship(back_populates="audits")
    sites: Mapped[list[Site]] = relationship(secondary=audit_sites, order_by="Site.name")
    checklists: Mapped[list[AuditChecklist]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AuditChecklist.position"
    )
    team: Mapped[list[AuditTeamMember]] = relationship(
        back_populates="audit", cascade="all, delete-orphan"
    )
    responses: WriteOnlyMapped[Response] = relationship(passive_deletes=True)
    findings: WriteOnlyMapped[Finding] = relationship(passive_deletes=True)
    photos: WriteOnlyMapped[Photo] = relationship(passive_deletes=True)

    @property
    def lead(self) -> AuditTeamMember | None:
        return next((m for m in self.team if m.role == TeamRole.LEAD), None)


class AuditChecklist(Base):
    """A checklist as it was when the audit started: later file edits never change it."""

    __tablename__ = "audit_checklists"
    __table_args__ = (UniqueConstraint("audit_id", "checklist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    checklist_id: Mapped[str] = mapped_column(String(80))
    standard: Mapped[str] = mapped_column(String(80))
    edition: Mapped[str] = mapped_column(String(40))
    checklist_version: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Large (the whole YAML file): loaded only when a tree is built, not with every audit.
    content: Mapped[str] = mapped_column(Text, deferred=True)

    audit: Mapped[Audit] = relationship(back_populates="checklists")


class AuditTeamMember(Base, Timestamps):
    __tablename__ = "audit_team_members"
    __table_args__ = (UniqueConstraint("audit_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(db_enum(TeamRole, "team_role"))

    audit: Mapped[Audit] = relationship(back_populates="team")
    user: Mapped[User] = relationship(lazy="joined")


class Meeting(Base, LaptopRecord):
    """The opening or closing meeting of an audit."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("audit_id", "kind"),)

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MeetingKind] = mapped_column(db_enum(MeetingKind, "meeting_kind"))
    held_at: Mapped[datetime | None]
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")


class AuditClosure(Base, LaptopRecord):
    """Recommendation and conclusion, the lead's sign-off, the auditee's acknowledgement."""

    __tablename__ = "audit_closures"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), unique=True
    )
    recommendation: Mapped[Recommendation | None] = mapped_column(
        db_enum(Recommendation, "recommendation")
    )
    conclusion: Mapped[str] = mapped_column(Text, default="")
    # Report sections the lead writes (ISO/IEC 17021-1 9.4.8): empty means "none".
    plan_deviations: Mapped[str] = mapped_column(Text, default="")
    significant_issues: Mapped[str] = mapped_column(Text, default="")
    significant_changes: Mapped[str] = mapped_column(Text, default="")
    unresolved_issues: Mapped[str] = mapped_column(Text, default="")
    marks_use: Mapped[str] = mapped_column(Text, default="")
    previous_nc_verification: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]
    signed_content_sha256: Mapped[str | None] = mapped_column(String(64))
    auditee_name: Mapped[str] = mapped_column(String(200), default="")
    auditee_acknowledged_at: Mapped[datetime | None]


class Interviewee(Base, LaptopRecord):
    __tablename__ = "interviewees"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    job_role: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")


class SampledRecord(Base, LaptopRecord):
    __tablename__ = "sampled_records"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(200))
    record_type: Mapped[str] = mapped_column(String(200), default="")
    record_date: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
