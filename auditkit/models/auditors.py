"""CB server only (the `server` migration branch): what the CB knows of its auditors and
their ties to clients, and clients' objections to a team member.

A qualification says a person may audit (or lead) one scheme, for which IAF sector codes,
from when until when, and whether it is in force. A declaration is what an auditor told the
CB of a tie to a client: consultancy or employment (with its dates), or another tie. The
team checks of auditkit.planning.team read both. An objection is the client's, to one member
of a planned team (ISO/IEC 17021-1 9.2.3), with the CB's answer to it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, Timestamps, utcnow
from auditkit.models.parties import Organisation, User


class AuditorQualification(Base, Timestamps):
    __tablename__ = "auditor_qualifications"
    __table_args__ = (UniqueConstraint("user_id", "scheme"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(40))  # auditkit.certifications.schemes
    may_lead: Mapped[bool] = mapped_column(default=False)
    sector_codes: Mapped[list[Any]] = mapped_column(default=list)
    qualified_on: Mapped[date]
    valid_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, suspended
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()


class ImpartialityDeclaration(Base, Timestamps):
    __tablename__ = "impartiality_declarations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # consultancy, employment, tie
    description: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]  # None: still going on
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class TeamObjection(Base, Timestamps):
    __tablename__ = "team_objections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    raised_by: Mapped[str] = mapped_column(String(200))  # the client's contact, by name
    reason: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(20), default="open")  # open, upheld, rejected
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
