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
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    Meeting,
    MeetingKind,
    ReportRelease,
)

# CB policy, default: the client answers every nonconformity within 30 days of the closing
# meeting (17021-1 9.4.9 leaves the time to the CB).
ANSWER_DAYS = 30
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
    """The day the answers to the audit's nonconformities are due."""
    held = session.scalar(
        select(Meeting.held_at).where(
            Meeting.audit_id == audit.id, Meeting.kind == MeetingKind.CLOSING
        )
    )
    closed_on = held.date() if held is not None else audit.end_date
    return closed_on + timedelta(days=ANSWER_DAYS)


@dataclass(frozen=True)
class Nonconformity:
    finding: Finding
    audit: Audit
    due: date
    status: str  # a key of STATUS_LABELS
    action: CorrectiveAction | None

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
    dues: dict[uuid.UUID, date] = {}
    found = []
    for finding, owner in rows:
        if owner.id not in dues:
            dues[owner.id] = answer_due(session, owner)
        answer = answers.get(finding.id)
        late = today > dues[owner.id]
        if answer is None:
            status = "overdue" if late else "awaiting"
        elif answer.status == CorrectiveActionStatus.DRAFT:
            status = "draft_overdue" if late else "draft"
        else:
            status = answer.status.value
        found.append(Nonconformity(finding, owner, dues[owner.id], status, answer))
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
