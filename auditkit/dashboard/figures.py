"""The numbers behind the CB's dashboard (no Flask): one function per plot, each taking
(session, today) and returning a Chart, whose rows the page shows as a table beside the plot.

Every value is a count of whole things (nonconformities, certificates, certifications, days),
stacked per series. Nothing here writes or commits.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditkit.certificates.status import status_on
from auditkit.certifications.schemes import display_name
from auditkit.corrective_actions.deadlines import add_months
from auditkit.models import (
    Audit,
    AuditTeamMember,
    Certificate,
    CertificateStatus,
    Certification,
    Finding,
    FindingClause,
    Grade,
    Organisation,
    Role,
    TeamRole,
    User,
    UserRole,
)
from auditkit.portal import records

TOP_CLAUSES = 15
HORIZON_DAYS = 90  # how far ahead the certificates and the auditors' load look
DUE_MONTHS = 6
NC_GRADES = (Grade.MAJOR, Grade.MINOR)
OVERDUE_GRADES = (Grade.MAJOR, Grade.MINOR, Grade.DEVIATION)
# Upper bounds (days late, inclusive) of the overdue buckets; None: no bound.
OVERDUE_BUCKETS = ((7, "1–7 days"), (30, "8–30 days"), (90, "31–90 days"), (None, "over 90 days"))


class Row(NamedTuple):
    """One bar: its label and a value per series of the chart."""

    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Chart:
    """One plot's numbers, as the plot and its table show them."""

    name: str  # the plot's name in its URL
    title: str
    category: str  # what a row is: the heading of the table's first column
    series: tuple[str, ...]
    rows: tuple[Row, ...]
    unit: str  # what the values count, for the value axis
    empty: str  # said instead of a plot when every value is zero
    horizontal: bool = False  # bars across (long labels); else upright (time buckets)
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(row.total for row in self.rows)


def nonconformities_by_clause(session: Session, today: date) -> Chart:
    """Major and minor nonconformities per clause over every audit so far, the clauses with
    the most first. A finding raised against two clauses counts for each; deleted ones never."""
    counts: dict[tuple[str, str], Counter[Grade]] = defaultdict(Counter)
    found = session.execute(
        select(FindingClause.checklist_id, FindingClause.clause_number, Finding.grade, func.count())
        .join(Finding, Finding.id == FindingClause.finding_id)
        .where(Finding.deleted_at.is_(None), Finding.grade.in_(NC_GRADES))
        .group_by(FindingClause.checklist_id, FindingClause.clause_number, Finding.grade)
    )
    for checklist_id, clause, grade, count in found:
        counts[(checklist_id, clause)][Grade(grade)] += count
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1].total(), _natural(*kv[0])))
    hidden = len(ranked) - TOP_CLAUSES
    return Chart(
        name="nonconformities",
        title="Nonconformities by clause",
        category="Clause",
        series=("Major", "Minor"),
        rows=tuple(
            Row(f"{display_name(checklist_id)} {clause}", tuple(n[g] for g in NC_GRADES))
            for (checklist_id, clause), n in ranked[:TOP_CLAUSES]
        ),
        unit="nonconformities",
        empty="No major or minor nonconformity has been recorded yet.",
        horizontal=True,
        note=f"The {TOP_CLAUSES} clauses with the most; {hidden} more not shown."
        if hidden > 0
        else "",
    )


def overdue_corrective_actions(session: Session, today: date) -> Chart:
    """Nonconformities of released reports past a deadline (no answer sent in time, a major
    not verified closed in time), by how long ago the first deadline they missed passed."""
    counts = [Counter[Grade]() for _ in OVERDUE_BUCKETS]
    for nc in records.overdue_everywhere(session, today=today):
        deadlines = {"answer": nc.deadlines.answer, "verification": nc.deadlines.verify}
        missed = [due for what, due in deadlines.items() if what in nc.late and due is not None]
        late = (today - min(missed)).days
        bucket = next(
            i for i, (bound, _) in enumerate(OVERDUE_BUCKETS) if bound is None or late <= bound
        )
        counts[bucket][Grade(nc.finding.grade)] += 1
    return Chart(
        name="overdue-actions",
        title="Overdue corrective actions",
        category="Overdue by",
        series=("Major", "Minor", "Deviation"),
        rows=tuple(
            Row(label, tuple(n[g] for g in OVERDUE_GRADES))
            for (_, label), n in zip(OVERDUE_BUCKETS, counts, strict=True)
        ),
        unit="nonconformities",
        empty="No corrective action is overdue.",
    )


def certificates_expiring(session: Session, today: date) -> Chart:
    """Valid certificates (the current revision, active) expiring from today to 90 days
    ahead, by the week of their expiry counted from today."""
    last = today + timedelta(days=HORIZON_DAYS)
    found = session.scalars(
        select(Certificate).where(
            Certificate.is_current.is_(True),
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.expiry_date >= today,
            Certificate.expiry_date <= last,
        )
    )
    weeks = Counter(
        (c.expiry_date - today).days // 7
        for c in found
        if status_on(c, today) == CertificateStatus.ACTIVE
    )
    return Chart(
        name="expiring-certificates",
        title="Certificates expiring in the next 90 days",
        category="Week from",
        series=("Certificates",),
        rows=tuple(
            Row(_day(today + timedelta(weeks=week)), (weeks[week],))
            for week in range(HORIZON_DAYS // 7 + 1)
        ),
        unit="certificates",
        empty=f"No valid certificate expires by {_day(last)} {last.year}.",
        note=f"Expiry from {today.isoformat()} to {last.isoformat()}.",
    )


def audits_due(session: Session, today: date) -> Chart:
    """Current certifications by the month their next audit is due, this month and the five
    after it, with those already overdue first; planned or not (as the programme reads them:
    auditkit.certifications.programme_list)."""
    first = today.replace(day=1)
    months = [add_months(first, i) for i in range(DUE_MONTHS)]
    found = session.execute(
        select(Certification.next_due_by, Certification.next_planned)
        .join(Organisation, Organisation.id == Certification.organisation_id)
        .where(
            Certification.withdrawn_at.is_(None),
            Organisation.archived_at.is_(None),
            Certification.next_audit.is_not(None),
            Certification.next_due_by < add_months(first, DUE_MONTHS),
        )
    )
    slots = [[0, 0] for _ in range(DUE_MONTHS + 1)]  # overdue, then a slot per month
    for due, planned in found:
        slot = 0 if due < today else 1 + (due.year - first.year) * 12 + due.month - first.month
        slots[slot][0 if planned else 1] += 1
    labels = ["Overdue", *(f"{m:%b %Y}" for m in months)]
    return Chart(
        name="audits-due",
        title="Audits due",
        category="Due",
        series=("Planned", "Not planned yet"),
        rows=tuple(Row(label, tuple(s)) for label, s in zip(labels, slots, strict=True)),
        unit="certifications",
        empty="No audit is overdue or due in the next six months.",
    )


def auditor_load(session: Session, today: date) -> Chart:
    """Days on audits in the 90 days from today per active auditor, as lead and in another
    team role: an audit counts its calendar days that fall within those 90 days."""
    last = today + timedelta(days=HORIZON_DAYS - 1)
    auditors = session.execute(
        select(User.id, User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.AUDITOR, User.is_active.is_(True))
    ).all()
    days = {user_id: [0, 0] for user_id, _ in auditors}
    found = session.execute(
        select(AuditTeamMember.user_id, AuditTeamMember.role, Audit.start_date, Audit.end_date)
        .join(Audit, Audit.id == AuditTeamMember.audit_id)
        .where(Audit.start_date <= last, Audit.end_date >= today)
    )
    for user_id, role, start, end in found:
        if user_id in days:
            days[user_id][0 if role == TeamRole.LEAD else 1] += (
                min(end, last) - max(start, today)
            ).days + 1
    rows = sorted(
        (Row(name, tuple(days[user_id])) for user_id, name in auditors),
        key=lambda row: (-row.total, row.label.casefold()),
    )
    return Chart(
        name="auditor-load",
        title="Each auditor's load",
        category="Auditor",
        series=("As lead", "In the team"),
        rows=tuple(rows),
        unit="audit days",
        empty=f"No auditor is on an audit from {today.isoformat()} to {last.isoformat()}.",
        horizontal=True,
        note=f"Days from {today.isoformat()} to {last.isoformat()}.",
    )


# The plots in the order the page shows them, by the name in their URL.
FIGURES: dict[str, Callable[[Session, date], Chart]] = {
    "nonconformities": nonconformities_by_clause,
    "overdue-actions": overdue_corrective_actions,
    "expiring-certificates": certificates_expiring,
    "audits-due": audits_due,
    "auditor-load": auditor_load,
}


def _natural(*parts: str) -> tuple[tuple[object, ...], ...]:
    """A sort key that puts clause 9.2 before 10.1 (numbers compared as numbers)."""
    return tuple(
        tuple(int(p) if i % 2 else p for i, p in enumerate(re.split(r"(\d+)", part)))
        for part in parts
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"
