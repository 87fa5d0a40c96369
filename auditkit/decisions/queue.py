"""What waits for a decision maker (no Flask): audits accepted and awaiting a decision, and
the decisions that need no audit, flagged by themselves from the dates: a surveillance
overdue on a valid certificate (suspend, 17021-1 9.6.5), a suspension past its time limit
(withdraw or reduce the scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditkit.decisions.file import AWAITING, PRINCIPAL
from auditkit.models import (
    Audit,
    Certificate,
    CertificateStatus,
    Certification,
    Decision,
    decision_audits,
)

SHOWN = 200


@dataclass(frozen=True)
class Waiting:
    certification: Certification
    audit: Audit | None
    reason: str  # what the decision is about, in a few words
    basis: str  # "audit", "surveillance_overdue", "suspension_lapsed"


def waiting(session: Session, today: date) -> list[Waiting]:
    found: list[Waiting] = []
    audits = session.scalars(
        select(Audit)
        .where(Audit.status.in_(list(AWAITING)), Audit.audit_type.in_(list(PRINCIPAL)))
        .order_by(Audit.end_date)
        .options(selectinload(Audit.certifications), selectinload(Audit.organisation))
        .limit(SHOWN)
    ).all()
    # The certifications decided already on each audit (an integrated audit's), in one query.
    decided = set(
        session.execute(
            select(decision_audits.c.audit_id, Decision.certification_id)
            .join(Decision, Decision.id == decision_audits.c.decision_id)
            .where(decision_audits.c.audit_id.in_([a.id for a in audits]))
        )
    )
    for audit in audits:
        for certification in audit.certifications:
            if (audit.id, certification.id) not in decided:
                found.append(
                    Waiting(certification, audit, f"{audit.audit_type.value} audit", "audit")
                )
    overdue = session.scalars(
        select(Certification)
        .join(Certificate, Certificate.certification_id == Certification.id)
        .where(
            Certificate.is_current.is_(True),
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.expiry_date >= today,
            Certification.next_due_by < today,
            Certification.next_planned.is_(False),
            Certification.next_audit.like("surveillance%"),
        )
        .limit(SHOWN)
    )
    for certification in overdue:
        found.append(
            Waiting(
                certification,
                None,
                f"{certification.next_audit} overdue since {_day(certification.next_due_by)}",
                "surveillance_overdue",
            )
        )
    lapsed = session.scalars(
        select(Certificate).where(
            Certificate.is_current.is_(True),
            Certificate.status == CertificateStatus.SUSPENDED,
            Certificate.suspended_until < today,
        )
    )
    for cert in lapsed:
        certification = session.get(Certification, cert.certification_id)
        if certification is not None:
            found.append(
                Waiting(
                    certification,
                    None,
                    f"suspended until {_day(cert.suspended_until)}: withdraw or reduce the scope",
                    "suspension_lapsed",
                )
            )
    return found


def _day(day: date | None) -> str:
    return day.isoformat() if day else "?"


def recent(session: Session, limit: int = 20) -> list[Decision]:
    return list(session.scalars(select(Decision).order_by(Decision.decided_at.desc()).limit(limit)))
