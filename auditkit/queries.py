"""Query helpers: each returns a `Select` that callers can filter, order and paginate."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from auditkit.models import Audit, AuditTeamMember, Organisation, User


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
    """Every audit, newest first. Both keys descend, so one index on (start_date, id) read
    backwards gives this order (and audits_for_user's read forwards)."""
    return (
        select(Audit)
        .options(
            selectinload(Audit.organisation),
            selectinload(Audit.checklists),
            # a list names each member, never their roles: no query for those
            selectinload(Audit.team).joinedload(AuditTeamMember.user).lazyload(User.roles),
        )
        .order_by(Audit.start_date.desc(), Audit.id.desc())
    )


def organisations() -> Select[tuple[Organisation]]:
    """Current clients (archived ones are reached from their audits), by name."""
    return (
        select(Organisation)
        .where(Organisation.archived_at.is_(None))
        .options(selectinload(Organisation.sites))
        .order_by(Organisation.name, Organisation.id)
    )
