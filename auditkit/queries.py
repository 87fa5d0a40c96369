"""Query helpers: each returns a `Select` that callers can filter, order and paginate."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from auditkit.models import Audit, AuditTeamMember, Organisation


def audits_for_user(user_id: uuid.UUID) -> Select[tuple[Audit]]:
    """Audits the user is on the team of, soonest first."""
    return (
        select(Audit)
        .join(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(AuditTeamMember.user_id == user_id)
        .options(selectinload(Audit.organisation), selectinload(Audit.checklists))
        .order_by(Audit.start_date, Audit.id)
    )


def all_audits() -> Select[tuple[Audit]]:
    return (
        select(Audit)
        .options(
            selectinload(Audit.organisation),
            selectinload(Audit.checklists),
            selectinload(Audit.team),
        )
        .order_by(Audit.start_date.desc(), Audit.id)
    )


def organisations() -> Select[tuple[Organisation]]:
    """Current clients (archived ones are reached from their audits), by name."""
    return (
        select(Organisation)
        .where(Organisation.archived_at.is_(None))
        .options(selectinload(Organisation.sites))
        .order_by(Organisation.name, Organisation.id)
    )
