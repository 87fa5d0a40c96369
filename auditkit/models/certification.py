"""What the CB certifies: certifications and their cycles, review queries, audit events.
Decisions and certificates are in auditkit.models.decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, LaptopRecord, Timestamps, utcnow
from auditkit.models.enums import CommentKind, db_enum
from auditkit.models.parties import Organisation, Site

if TYPE_CHECKING:
    from auditkit.models.audits import Audit

certification_sites = Table(
    "certification_sites",
    Base.metadata,
    Column(
        "certification_id", ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)

# The certifications an audit serves: one, or several for an integrated audit.
audit_certifications = Table(
    "audit_certifications",
    Base.metadata,
    Column("audit_id", ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "certification_id", ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Certification(Base, Timestamps):
    """One client's certification to one standard or scheme: its own cycle and certificate.

    What the audit time and the team depend on is kept here (auditkit.certifications checks
    it): the scope and the sites in it, the IAF sector and NACE codes, the personnel in scope
    (the counts as entered, and the effective number worked out from them), the complexity
    category where the standard's table has one, the ISMS complexity factors, exclusions
    (ISO 9001), the Statement of Applicability version (ISO/IEC 27001), the VCA level.
    """

    __tablename__ = "certifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # A scheme of auditkit.certifications.schemes, named as its checklist is ("iso9001-2015").
    scheme: Mapped[str] = mapped_column(String(40))
    vca_level: Mapped[str | None] = mapped_column(String(20))  # star1, star2, petro
    scope: Mapped[str] = mapped_column(Text, default="")
    sector_codes: Mapped[list[Any]] = mapped_column(default=list)  # IAF codes 1-39
    nace_codes: Mapped[list[Any]] = mapped_column(default=list)  # "25.62"
    # {"full_time": 40, "part_time": [[10, 20]], "week_hours": 40, "temporary": 3,
    #  "contractors": 5}: what the planner entered; effective_personnel follows from it.
    personnel: Mapped[dict[str, Any]] = mapped_column(default=dict)
    effective_personnel: Mapped[int | None]
    complexity: Mapped[str | None] = mapped_column(String(10))  # high, medium, low, limited
    isms_factors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    exclusions: Mapped[list[Any]] = mapped_column(default=list)  # [{"clause", "justification"}]
    soa_version: Mapped[str] = mapped_column(String(80), default="")
    # A transfer from another CB (IAF MD 2): {"from_cb", "certificate_number", ...}.
    transfer: Mapped[dict[str, Any] | None]
    # The application review (17021-1 9.1.2): who, when, which checks, what was noted.
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_checks: Mapped[list[Any]] = mapped_column(default=list)
    review_notes: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]  # no longer pursued or held; kept with its history
    # The next audit the programme needs, kept up to date when audits are planned or move
    # (auditkit.certifications.overview.refresh_next_due), so that the CB-wide programme
    # lists what is overdue or at risk with one indexed query; "overdue" itself is read
    # against today, so nothing has to run for a date to pass.
    next_audit: Mapped[str | None] = mapped_column(String(20))
    next_due_by: Mapped[date | None] = mapped_column(index=True)
    next_planned: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship(back_populates="certifications")
    sites: Mapped[list[Site]] = relationship(secondary=certification_sites, order_by="Site.name")
    audits: Mapped[list[Audit]] = relationship(
        secondary=audit_certifications,
        back_populates="certifications",
        order_by="Audit.start_date",
    )
    cycles: Mapped[list[CertificationCycle]] = relationship(
        back_populates="certification",
        cascade="all, delete-orphan",
        order_by="CertificationCycle.start_date",
    )


class CertificationCycle(Base, Timestamps):
    """A three-year cycle of one certification; it starts at the certification decision.

    A cycle taken over from another CB (IAF MD 2) keeps the issuing CB's dates: `origin`
    says so.
    """

    __tablename__ = "certification_cycles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    certification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date]
    expiry_date: Mapped[date]
    origin: Mapped[str] = mapped_column(String(20), default="decision")  # decision, transfer

    certification: Mapped[Certification] = relationship(back_populates="cycles")


class ReviewComment(Base, LaptopRecord):
    """A technical reviewer's query on an audit, a finding or a checklist item, and its thread.

    A thread is a top-level comment (`parent_id` None) and its replies: the team's answers
    (made on a laptop, queued as query.answer.v1) and the reviewers' follow-ups. A query is
    open until a reviewer closes it (auditkit.review_queries); the reasons given when an audit
    is returned are a comment of kind RETURN, never open.
    """

    __tablename__ = "review_comments"

    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CommentKind] = mapped_column(
        db_enum(CommentKind, "comment_kind"), default=CommentKind.QUERY
    )
    finding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE")
    )
    # The checklist item asked about (Response.item_key), when the query is on one.
    item_key: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE"), index=True
    )
    # On a laptop the CB reviewer has no user row: the name travels with the comment.
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_name: Mapped[str] = mapped_column(String(200), default="")


class AuditEvent(Base):
    """Append-only, hash-chained log of who did what, when and from where (auditkit.audit_log).

    One chain per audit on the server ("audit:<id>", and "cb" for events of no audit), one per
    laptop on the laptop ("device:<id>"). Each event's hash covers its content and the hash
    before it, so a changed, removed or reordered event breaks the chain at that link.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    chain: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # where it is recorded
    device_time: Mapped[datetime | None]  # a laptop's own clock, for its changes
    audit_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(200), default="")  # an address, a device, the CLI
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """Where each chain of audit events ends: appends lock this row, so they queue up."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(60), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
