"""What a client contact sees in the portal, always scoped to their organisation (no Flask).

Every lookup takes the organisation's id and answers None for anything of another
organisation, so a view turns it into the same 404 as an id that does not exist.
Nonconformities become visible with the first released report of their audit: before the
technical review accepts the audit they may still change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import corrective_actions as capa
from auditkit.corrective_actions import deadlines, extensions
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    ReportRelease,
)

NONCONFORMITY_GRADES = (Grade.MAJOR, Grade.MINOR, Grade.DEVIATION)
STATUS_LABELS = {
    "awaiting": "Answer due",
    "overdue": "Answer overdue",
    "draft": "Draft, not yet sent",
    "draft_overdue": "Draft, answer overdue",
    **{status.value: label for status, label in capa.STATUS_LABELS.items() if status != "draft"},
}


def audits(session: Session, organisation_id: uuid.UUID) -> list[Audit]:
    """The organisation's audits, newest first."""
    return list(
        session.scalars(
            select(Audit)
            .where(Audit.organisation_id == organisation_id)
            .order_by(Audit.start_date.desc(), Audit.id)
        )
    )


def audit(session: Session, organisation_id: uuid.UUID, audit_id: uuid.UUID) -> Audit | None:
    found = session.get(Audit, audit_id)
    return found if found is not None and found.organisation_id == organisation_id else None


def releases(session: Session, organisation_id: uuid.UUID) -> list[ReportRelease]:
    """Every released revision of the organisation's reports, newest first (no PDF bytes)."""
    return list(
        session.scalars(
            select(ReportRelease)
            .join(Audit, Audit.id == ReportRelease.audit_id)
            .where(Audit.organisation_id == organisation_id)
            .order_by(ReportRelease.released_at.desc(), ReportRelease.revision.desc())
        )
    )


def release(
    session: Session, organisation_id: uuid.UUID, release_id: uuid.UUID
) -> ReportRelease | None:
    row = session.get(ReportRelease, release_id)
    if row is None:
        return None
    owner = session.get(Audit, row.audit_id)
    return row if owner is not None and owner.organisation_id == organisation_id else None


def answer_due(session: Session, audit: Audit) -> date:
    """The day the answers to the audit's nonconformities are due (CB policy, no extension)."""
    return deadlines.closed_on(session, audit) + timedelta(days=deadlines.policy().answer_days)


@dataclass(frozen=True)
class Nonconformity:
    finding: Finding
    audit: Audit
    deadlines: deadlines.Deadlines
    status: str  # a key of STATUS_LABELS
    action: CorrectiveAction | None
    late: tuple[str, ...]  # "answer", "verification": what is past its deadline

    @property
    def due(self) -> date:
        return self.deadlines.answer

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def nonconformities(
    session: Session, organisation_id: uuid.UUID, *, today: date | None = None
) -> list[Nonconformity]:
    """The nonconformities of the organisation's released audits, by audit then number."""
    today = today or date.today()
    released = select(ReportRelease.audit_id)
    rows = session.execute(
        select(Finding, Audit)
        .join(Audit, Audit.id == Finding.audit_id)
        .where(
            Audit.organisation_id == organisation_id,
            Audit.id.in_(released),
            Finding.deleted_at.is_(None),
            Finding.grade.in_(NONCONFORMITY_GRADES),
        )
        .order_by(Audit.start_date.desc(), Audit.id, Finding.local_number)
    ).all()
    answers = _latest_answers(session, [f.id for f, _ in rows])
    rules = deadlines.policy()
    found = []
    for finding, owner in rows:
        answer = answers.get(finding.id)
        due = deadlines.deadlines(
            session, owner, finding, rules, extended_to=extensions.granted_until(session, finding)
        )
        late = tuple(deadlines.overdue(answer, due, today))
        if answer is None:
            status = "overdue" if "answer" in late else "awaiting"
        elif answer.status == CorrectiveActionStatus.DRAFT:
            status = "draft_overdue" if "answer" in late else "draft"
        else:
            status = answer.status.value
        found.append(Nonconformity(finding, owner, due, status, answer, late))
    return found


def nonconformity(
    session: Session, organisation_id: uuid.UUID, finding_id: uuid.UUID
) -> Nonconformity | None:
    for nc in nonconformities(session, organisation_id):
        if nc.finding.id == finding_id:
            return nc
    return None


def _latest_answers(
    session: Session, finding_ids: list[uuid.UUID]
) -> dict[uuid.UUID, CorrectiveAction]:
    if not finding_ids:
        return {}
    return {
        row.finding_id: row
        for row in session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.finding_id.in_(finding_ids))
        )
    }


def overdue_everywhere(session: Session, *, today: date | None = None) -> list[Nonconformity]:
    """Every nonconformity past a deadline, of any organisation (the CB's dashboard)."""
    organisations = session.scalars(
        select(Audit.organisation_id)
        .join(ReportRelease, ReportRelease.audit_id == Audit.id)
        .distinct()
    ).all()
    late = [
        nc
        for organisation_id in organisations
        for nc in nonconformities(session, organisation_id, today=today)
        if nc.late
    ]
    return sorted(
        late, key=lambda nc: min(d for d in (nc.deadlines.answer, nc.deadlines.verify) if d)
    )
