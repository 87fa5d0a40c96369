"""The decision file: everything a decision maker reads before deciding (17021-1 9.5.1-9.5.2).

Built for one certification from the audit that asks for a decision (its "principal": a
stage 2, a surveillance, a recertification or a special audit) or from none (a decision that
needs no audit). For a stage 2 the file also holds the stage 1 before it; follow-up audits
after the principal are in it too; a recertification shows the cycle's earlier audits as
history. No Flask.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import audit_log, releases, workflow
from auditkit.models import (
    Audit,
    AuditClosure,
    AuditEvent,
    AuditType,
    Certificate,
    Certification,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    ReportRelease,
    decision_audits,
)
from auditkit.models.decisions import Decision
from auditkit.recommendations import NONCONFORMITIES

# The audit types a decision is taken on; stage 1 and follow-ups travel with one of them.
PRINCIPAL = frozenset(
    {AuditType.STAGE2, AuditType.SURVEILLANCE, AuditType.RECERTIFICATION, AuditType.SPECIAL}
)
AWAITING = workflow.AWAITING_DECISION


@dataclass(frozen=True)
class Nonconformity:
    finding: Finding
    audit: Audit
    corrective_action: CorrectiveAction | None

    @property
    def status(self) -> CorrectiveActionStatus:
        ca = self.corrective_action
        return CorrectiveActionStatus(ca.status) if ca else CorrectiveActionStatus.DRAFT

    @property
    def verified_on(self) -> date | None:
        ca = self.corrective_action
        closed = self.status == CorrectiveActionStatus.VERIFIED_CLOSED
        if ca is None or ca.verified_at is None or not closed:
            return None
        return ca.verified_at.date()

    @property
    def plan_accepted(self) -> bool:
        return self.status in (
            CorrectiveActionStatus.PLAN_ACCEPTED,
            CorrectiveActionStatus.EVIDENCE_SUBMITTED,
            CorrectiveActionStatus.VERIFIED_CLOSED,
            CorrectiveActionStatus.REOPENED,
        )

    @property
    def grade(self) -> Grade:
        return Grade(self.finding.grade)


@dataclass(frozen=True)
class FileAudit:
    audit: Audit
    release: ReportRelease | None
    accepted_by: str
    accepted_at: datetime | None
    closure: AuditClosure | None
    history: bool = False  # shown for the cycle's record, not decided on now


@dataclass
class DecisionFile:
    certification: Certification
    principal: Audit | None
    audits: list[FileAudit]
    history: list[FileAudit]
    nonconformities: list[Nonconformity]
    certificate: Certificate | None  # the current revision, if certified
    basis: str = "audit"
    notes: list[str] = field(default_factory=list)

    @property
    def audit_rows(self) -> list[Audit]:
        return [a.audit for a in self.audits]

    @property
    def team_user_ids(self) -> set[uuid.UUID]:
        return {m.user_id for a in self.audits for m in a.audit.team}

    def stage2(self) -> Audit | None:
        found = [a.audit for a in self.audits if a.audit.audit_type == AuditType.STAGE2]
        return found[-1] if found else None


def current_certificate(session: Session, certification: Certification) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(
            Certificate.certification_id == certification.id, Certificate.is_current.is_(True)
        )
    ).first()


def decided_for(session: Session, audit: Audit) -> set[uuid.UUID]:
    """The certifications that already have a decision resting on this audit (an integrated
    audit serves several, each decided on its own)."""
    return set(
        session.scalars(
            select(Decision.certification_id)
            .join(decision_audits, decision_audits.c.decision_id == Decision.id)
            .where(decision_audits.c.audit_id == audit.id)
        )
    )


def build(
    session: Session, certification: Certification, principal: Audit | None, *, basis: str = ""
) -> DecisionFile:
    """The file for a decision on `principal` (None: a decision that needs no audit)."""
    in_file: list[Audit] = []
    history: list[Audit] = []
    if principal is not None:
        others = [a for a in certification.audits if a.id != principal.id]
        if principal.audit_type == AuditType.STAGE2:
            stage1 = [
                a
                for a in others
                if a.audit_type == AuditType.STAGE1
                and a.start_date <= principal.start_date
                and not workflow.decided(a.status)
            ]
            in_file += stage1[-1:]
        in_file.append(principal)
        in_file += [
            a
            for a in others
            if a.audit_type == AuditType.FOLLOW_UP
            and a.start_date >= principal.start_date
            and a.status in AWAITING
        ]
        if principal.audit_type == AuditType.RECERTIFICATION and certification.cycles:
            cycle = certification.cycles[-1]
            history = [
                a
                for a in others
                if a not in in_file and cycle.start_date <= a.start_date <= principal.start_date
            ]
    audit_ids = [a.id for a in in_file]
    ncs = _nonconformities(session, in_file)
    return DecisionFile(
        certification=certification,
        principal=principal,
        audits=[_file_audit(session, a) for a in in_file],
        history=[_file_audit(session, a, history=True) for a in history],
        nonconformities=ncs if audit_ids else [],
        certificate=current_certificate(session, certification),
        basis=basis or ("audit" if principal is not None else "client_request"),
    )


def _file_audit(session: Session, audit: Audit, *, history: bool = False) -> FileAudit:
    accepted = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.chain == audit_log.audit_chain(audit.id),
            AuditEvent.action == "audit.accept",
        )
        .order_by(AuditEvent.seq.desc())
    ).first()
    closure = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit.id)).first()
    return FileAudit(
        audit=audit,
        release=releases.latest(session, audit.id),
        accepted_by=accepted.actor_name if accepted else "",
        accepted_at=accepted.at if accepted else None,
        closure=closure,
        history=history,
    )


def _nonconformities(session: Session, audits: list[Audit]) -> list[Nonconformity]:
    if not audits:
        return []
    by_id = {a.id: a for a in audits}
    findings = session.scalars(
        select(Finding)
        .where(
            Finding.audit_id.in_(list(by_id)),
            Finding.grade.in_(list(NONCONFORMITIES)),
            Finding.deleted_at.is_(None),
        )
        .order_by(Finding.audit_id, Finding.local_number)
    ).all()
    actions = {
        ca.finding_id: ca
        for ca in session.scalars(
            select(CorrectiveAction).where(
                CorrectiveAction.finding_id.in_([f.id for f in findings])
            )
        )
    }
    return [Nonconformity(f, by_id[f.audit_id], actions.get(f.id)) for f in findings]
