"""Who is involved: client organisations, their sites and contacts; CB users and laptops."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditkit.models.base import Base, Timestamps, utcnow
from auditkit.models.enums import Role, db_enum

if TYPE_CHECKING:
    from auditkit.models.audits import Audit
    from auditkit.models.certification import Certification


class Organisation(Base, Timestamps):
    """A client of the CB: the organisation that is audited and certified."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    effective_personnel: Mapped[int | None]
    sector_codes: Mapped[str] = mapped_column(String(200), default="")
    # The chamber of commerce (or other register) number: with the name, what tells two
    # clients apart, and what a likely duplicate is found by (auditkit.clients).
    registration_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    archived_at: Mapped[datetime | None]  # no longer a client; kept with its history
    # Listed in the public certificate directory (a search by name); a lookup by certificate
    # number answers whatever this says (17021-1 8.1.3).
    public_directory: Mapped[bool] = mapped_column(default=True, server_default=true())

    sites: Mapped[list[Site]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Site.name"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.name"
    )
    audits: Mapped[list[Audit]] = relationship(back_populates="organisation")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="organisation", order_by="Certification.scheme"
    )


class Site(Base, Timestamps):
    """A location of a client; certificate scope is stated per site."""

    __tablename__ = "sites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    activities: Mapped[str] = mapped_column(Text, default="")
    is_headquarters: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(20), default="permanent", server_default="permanent")
    # People at work in each shift (one number per shift); their sum is the site's personnel.
    shift_personnel: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")

    @property
    def personnel(self) -> int:
        return sum(int(n) for n in self.shift_personnel or [])

    organisation: Mapped[Organisation] = relationship(back_populates="sites")


class Contact(Base, Timestamps):
    """A person at the client: management representative, portal user."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    is_management_representative: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class User(Base, Timestamps):
    """A person who signs in: CB staff, auditors and auditee contacts (portal)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    # Empty on laptops: a laptop only knows who its auditor and teammates are.
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    devices: Mapped[list[Device]] = relationship(back_populates="user")

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role.value for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="roles")


class Device(Base, Timestamps):
    """An auditor's laptop, registered to one user; sync keys its mutations by device."""

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    last_seq: Mapped[int] = mapped_column(default=0)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="devices")


class LaptopIdentity(Base):
    """Laptop only: the one auditor this laptop belongs to (a single row)."""

    __tablename__ = "laptop_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    server_url: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship()
