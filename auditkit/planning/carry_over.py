"""What a new audit carries over from the earlier audits of its certifications (no Flask):
their nonconformities that are not yet verified closed, so the team can check on site how
they were corrected (a minor may be verified at the next audit, DOMAIN.md 1.6).

The list travels to the laptops with the audit (sync.engine.pull.audit_header) and is shown
on the laptop's audit page; it is worked out when the audit is pulled, so a nonconformity
closed in the meantime drops out at the next sync.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from auditkit import recommendations, workflow
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    audit_certifications,
)

MAX_CARRIED = 200


def open_nonconformities(session: Session, audit: Audit) -> list[dict[str, Any]]:
    """The open nonconformities of earlier audits that serve any of `audit`'s certifications."""
    certification_ids = [c.id for c in audit.certifications]
    if not certification_ids:
        return []
    earlier = (
        select(audit_certifications.c.audit_id)
        .join(Audit, Audit.id == audit_certifications.c.audit_id)
        .where(
            audit_certifications.c.certification_id.in_(certification_ids),
            Audit.id != audit.id,
            Audit.start_date < audit.start_date,
        )
    )
    verified = exists().where(
        CorrectiveAction.finding_id == Finding.id,
        CorrectiveAction.status == CorrectiveActionStatus.VERIFIED_CLOSED,
    )
    findings = session.scalars(
        select(Finding)
        .join(Audit, Audit.id == Finding.audit_id)
        .where(
            Finding.audit_id.in_(earlier),
            Finding.grade.in_(list(recommendations.NONCONFORMITIES)),
            Finding.deleted_at.is_(None),
            ~verified,
        )
        .options(selectinload(Finding.clauses))
        .order_by(Audit.start_date, Finding.local_number)
        .limit(MAX_CARRIED)
    ).all()
    audits = {a.id: a for a in session.scalars(select(Audit).where(Audit.id.in_(earlier)))}
    result = []
    for finding in findings:
        source = audits[finding.audit_id]
        if not workflow.content_locked(source.status):
            continue  # still being written or reviewed: not a finding of record yet
        result.append(
            {
                "finding_id": str(finding.id),
                "audit_id": str(source.id),
                "audit_number": source.number,
                "audit_type": source.audit_type.value,
                "audit_end_date": source.end_date.isoformat(),
                "number": finding.number or f"P{finding.local_number}",
                "grade": finding.grade.value,
                "clauses": [f"{c.checklist_id} {c.clause_number}" for c in finding.clauses],
                "statement": finding.statement,
                "requirement": finding.requirement,
            }
        )
    return result
