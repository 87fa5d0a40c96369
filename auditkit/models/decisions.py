"""Certification decisions and the certificates they issue (auditkit.decisions,
auditkit.certificates). Shared tables, though only the CB server writes them.

A certificate is kept as revisions: every change of what it states (scope, sites, dates,
holder) is a new revision that supersedes the one before (`is_current` marks the one in
force); a change of status (suspended, withdrawn, lifted) changes the current revision in
place. What a certificate states about its holder and sites is copied onto it when issued,
so that editing a client's address never changes a certificate already issued.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, Timestamps, utcnow
from auditkit.models.enums import CertificateStatus, DecisionOutcome, db_enum

# The audits a decision rests on: stage 1 + stage 2 (+ follow-ups), a surveillance, a
# recertification. None for a decision that needs no audit (withdrawal at the client's request).
decision_audits = Table(
    "decision_audits",
    Base.metadata,
    Column("decision_id", ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("audit_id", ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
)


class Decision(Base, Timestamps):
    """A certification decision, taken by someone on no team of the audits it rests on."""

    __tablename__ = "decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id"), index=True)
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certification_cycles.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(db_enum(DecisionOutcome, "decision_outcome"))
    # What led to it: "audit", "surveillance_overdue", "client_request", "suspension_lapsed",
    # "cause_resolved" (a suspension lifted), "appeal".
    basis: Mapped[str] = mapped_column(String(30), default="audit")
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision_date: Mapped[date]
    effective_date: Mapped[date | None]  # never before decision_date; None for a refusal
    reasons: Mapped[str] = mapped_column(Text, default="")
    # [{"rule", "title", "passed", "message", "unblock"}], as shown to the decision maker.
    gate_results: Mapped[list[Any]] = mapped_column(default=list)
    suspended_until: Mapped[date | None]  # the CB-set time limit of a suspension
    # A scope change: {"scope": "...", "sites": [{"site_id", "scope"}]}.
    scope_change: Mapped[dict[str, Any]] = mapped_column(default=dict)

    audits: Mapped[list[Any]] = relationship(
        "Audit", secondary=decision_audits, order_by="Audit.start_date"
    )


class Certificate(Base, Timestamps):
    """One revision of a certificate (17021-1 8.2.2; DOMAIN.md 1.9).

    The stored status is what the CB decided: draft, active, suspended, withdrawn, cancelled.
    Expiry is never stored as a status: it is read from the dates (auditkit.certificates
    .status), so nothing has to run for a certificate to expire.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("number", "revision"),
        # The public check looks a number up among current revisions: one index probe.
        Index("ix_certificates_current_number", "number", "is_current"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(60))
    revision: Mapped[int] = mapped_column(default=0)
    is_current: Mapped[bool] = mapped_column(default=True, server_default=true())
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id"), index=True)
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certification_cycles.id"))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certificates.id"))
    status: Mapped[CertificateStatus] = mapped_column(
        db_enum(CertificateStatus, "certificate_status"), default=CertificateStatus.ACTIVE
    )
    status_since: Mapped[date | None]
    status_reason: Mapped[str] = mapped_column(Text, default="")
    suspended_until: Mapped[date | None]
    # The holder as certified (17021-1 8.2.2 a), copied at issue.
    holder_name: Mapped[str] = mapped_column(String(200), index=True)
    holder_address: Mapped[str] = mapped_column(Text, default="")
    holder_city: Mapped[str] = mapped_column(String(100), default="")
    holder_country: Mapped[str] = mapped_column(String(2), default="")
    scheme: Mapped[str] = mapped_column(String(40))
    # [{"standard": "ISO 9001", "edition": "2015"}]
    standards: Mapped[list[Any]] = mapped_column(default=list)
    vca_level: Mapped[str | None] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(Text, default="")
    sector_codes: Mapped[list[Any]] = mapped_column(default=list)
    original_date: Mapped[date | None]  # the first certification, kept across cycles
    issue_date: Mapped[date]  # this revision's
    effective_date: Mapped[date]  # of the grant, renewal or scope change: never before it
    cycle_start: Mapped[date]
    expiry_date: Mapped[date]
    accredited: Mapped[bool] = mapped_column(default=False)
    soa_version: Mapped[str] = mapped_column(String(80), default="")

    sites: Mapped[list[CertificateSite]] = relationship(
        back_populates="certificate",
        cascade="all, delete-orphan",
        order_by="CertificateSite.position",
    )


class CertificateSite(Base):
    """A site on a certificate and its scope there, as certified (copied at issue)."""

    __tablename__ = "certificate_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    is_headquarters: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(Text)

    certificate: Mapped[Certificate] = relationship(back_populates="sites")


class Appeal(Base, Timestamps):
    """An appeal against a decision (17021-1 9.7), decided by someone who took no part in it.
    CB server only (the `server` migration branch)."""

    __tablename__ = "appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    decision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    received_on: Mapped[date]
    lodged_by: Mapped[str] = mapped_column(String(200))  # who appealed, as they signed
    grounds: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(16), default="")  # upheld, rejected, or ""
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None]
    reasons: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship()


class Counter(Base):
    """A named counter (certificate numbers): taken with an UPDATE, so two decisions at once
    never get the same number. CB server only."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class RateLimit(Base):
    """Requests counted per key in a fixed window, shared by every worker (the public check).
    CB server only."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    hits: Mapped[int] = mapped_column(default=0)
