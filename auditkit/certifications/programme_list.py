"""The CB-wide programme (no Flask): every current certification by the date its next audit
is due, filtered to what needs a planner: overdue, at risk, or with no audit planned yet.

It reads the next audit each certification keeps (overview.refresh_next_due), so the list
is one indexed query whatever the number of clients; whether a due date has passed is read
against `today` here, so nothing has to run for an audit to become overdue.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from auditkit.models import Certification, Organisation

# The surveillance and recertification margins of auditkit.planning.cycle_policy's defaults.
AT_RISK_DAYS = 30
RECERT_AT_RISK_DAYS = 90
FILTERS = {
    "attention": "Overdue or at risk",
    "overdue": "Overdue",
    "at_risk": "At risk",
    "unplanned": "Due, no audit planned",
    "all": "All current certifications",
}


def programme_query(show: str, today: date) -> Select[tuple[Certification]]:
    """Current certifications for the filter `show`, soonest due first."""
    overdue = Certification.next_due_by < today
    at_risk = and_(
        Certification.next_due_by >= today,
        or_(
            Certification.next_due_by <= today + timedelta(days=AT_RISK_DAYS),
            and_(
                Certification.next_audit == "recertification",
                Certification.next_due_by <= today + timedelta(days=RECERT_AT_RISK_DAYS),
            ),
        ),
    )
    query = (
        select(Certification)
        .join(Organisation, Organisation.id == Certification.organisation_id)
        .where(
            Certification.withdrawn_at.is_(None),
            Organisation.archived_at.is_(None),
            Certification.next_audit.is_not(None),
        )
        .options(joinedload(Certification.organisation))
    )
    if show == "overdue":
        query = query.where(overdue)
    elif show == "at_risk":
        query = query.where(at_risk)
    elif show == "unplanned":
        query = query.where(Certification.next_planned.is_(False))
    elif show != "all":
        query = query.where(or_(overdue, at_risk))
    return query.order_by(
        Certification.next_due_by.asc().nulls_last(), Organisation.name, Certification.id
    )


def flag(certification: Certification, today: date) -> str:
    """overdue, at_risk, open or to_plan (no due date yet: the initial audit)."""
    due = certification.next_due_by
    if due is None:
        return "to_plan"
    if due < today:
        return "overdue"
    margin = RECERT_AT_RISK_DAYS if certification.next_audit == "recertification" else AT_RISK_DAYS
    return "at_risk" if due <= today + timedelta(days=margin) else "open"
