"""An audit, its team, the checklists it pinned, and the records of conducting it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from auditkit.models.base import Base, LaptopRecord, Timestamps
from auditkit.models.enums import (
    ActivityMode,
    AuditStatus,
    AuditType,
    MeetingKind,
    ObjectivesMet,
    Recommendation,
    ScopeFit,
    SystemEffectiveness,
    TeamRole,
    db_enum,
)

if TYPE_CHECKING:
    from auditkit.models.certification import Certification
    from auditkit.models.findings import Finding, Photo, Response
    from auditkit.models.parties import Organisation, Site, User

VCA_STANDARD = "VCA"  # the `standard` of a VCA checklist file

audit_sites = Table(
    "audit_sites",
    Base.metadata,
    Column("audit_id", ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Audit(Base, Timestamps):
    """One audit of one client: planned on the server, conducted on laptops."""

    __tablename__ = "audits"
    # The lists sort by date (newest first) with the id as the last key.
    __table_args__ = (Index("ix_audits_start_date_id", "start_date", "id"),)

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
    # VCA: the level the contractor applies for ("star1", "star2", "petro"); None otherwise.
    vca_level: Mapped[str | None] = mapped_column(String(20))
    # How the plan was worked out (auditkit.planning.audits): the audit time's steps and the
    # site sample with its random draw's seed, the clauses to cover. Laptops keep only the
    # clauses to cover, as the server sent them.
    plan_working: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # The audit plan per day, site and auditor (auditkit.planning.schedule), sorted by time:
    # [{"day", "start", "end", "site_id", "auditor_id", "activity", "remote"}].
    schedule: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # Laptop: the open nonconformities of earlier audits of its certifications, as the server
    # sent them (auditkit.planning.carry_over), to verify on site. The server works them out
    # when the audit is pulled and leaves this empty.
    carried_over: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # Laptop: the deadlines of this audit's nonconformities as the server's policy and any
    # extension set them, {finding id: {"answer": day, "verify": day or null}}; the server
    # works them out when it sends the audit (auditkit.corrective_actions.deadlines).
    capa_deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    organisation: Mapped[Organisation] = relationship(back_populates="audits")
    sites: Mapped[list[Site]] = relationship(secondary=audit_sites, order_by="Site.name")
    certifications: Mapped[list[Certification]] = relationship(
        secondary="audit_certifications",
        back_populates="audits",
        order_by="Certification.scheme",
    )
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
    def team_in_order(self) -> list[AuditTeamMember]:
        """The team as people read it: the lead first, then by role, then by name."""
        rank = {role: i for i, role in enumerate(TeamRole)}
        return sorted(self.team, key=lambda m: (rank[m.role], m.user.full_name))

    @property
    def lead(self) -> AuditTeamMember | None:
        return next((m for m in self.team if m.role == TeamRole.LEAD), None)

    @property
    def covers_vca(self) -> bool:
        """True when a VCA checklist is pinned (its findings are deviations)."""
        return any(c.standard == VCA_STANDARD for c in self.checklists)

    @property
    def covers_management_system(self) -> bool:
        """True when an ISO management-system standard is pinned."""
        return any(c.standard != VCA_STANDARD for c in self.checklists)


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
    # The statements of 17021-1 9.4.8.3, each a choice and the evidence behind it.
    system_effectiveness: Mapped[SystemEffectiveness | None] = mapped_column(
        db_enum(SystemEffectiveness, "system_effectiveness")
    )
    effectiveness_summary: Mapped[str] = mapped_column(Text, default="")
    internal_audit_evidence: Mapped[str] = mapped_column(Text, default="")
    management_review_evidence: Mapped[str] = mapped_column(Text, default="")
    scope_fit: Mapped[ScopeFit | None] = mapped_column(db_enum(ScopeFit, "scope_fit"))
    scope_note: Mapped[str] = mapped_column(Text, default="")
    objectives_met: Mapped[ObjectivesMet | None] = mapped_column(
        db_enum(ObjectivesMet, "objectives_met")
    )
    objectives_note: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]
    signed_content_sha256: Mapped[str | None] = mapped_column(String(64))
    # Which content digest the signature used (auditkit.capture.digest): one made before the
    # digest covered more still verifies against the content it covered.
    digest_version: Mapped[int] = mapped_column(default=1)
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


class AuditActivity(Base, LaptopRecord):
    """The register of actual audit time: who did what, when, where, on site or remote."""

    __tablename__ = "audit_activities"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    auditor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date]
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    mode: Mapped[ActivityMode] = mapped_column(db_enum(ActivityMode, "activity_mode"))
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    activity: Mapped[str] = mapped_column(Text, default="")
    # IAF MD 4: the ICT used for remote auditing (video call, screen sharing, live camera).
    ict: Mapped[str] = mapped_column(String(300), default="")
