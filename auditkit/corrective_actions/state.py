"""Where a corrective action stands, and the rules both sides share (no Flask)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import workflow
from auditkit.field_errors import FieldError
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionRevision,
    Finding,
    VerificationMethod,
)
from auditkit.models import CorrectiveActionStatus as S
from auditkit.recommendations import NONCONFORMITIES

TEXT_LIMIT = 10_000
PLAN, EVIDENCE = "plan", "evidence"
STATUS_LABELS = {
    S.DRAFT: "Draft, not yet sent",
    S.SUBMITTED: "Answer submitted",
    S.PLAN_ACCEPTED: "Plan accepted",
    S.PLAN_REJECTED: "Plan rejected",
    S.EVIDENCE_SUBMITTED: "Evidence submitted",
    S.VERIFIED_CLOSED: "Verified closed",
    S.REOPENED: "Reopened",
}
METHOD_LABELS = {
    VerificationMethod.DOCUMENT_REVIEW: "document review",
    VerificationMethod.ON_SITE: "on site (a follow-up audit)",
    VerificationMethod.NEXT_AUDIT: "at the next audit",
}


class CapaRefused(FieldError):
    """A step not possible now; `field` names the input the sentence belongs beside."""


class CapaConflict(CapaRefused):
    """The revision judged is no longer the newest one the client sent."""


@dataclass(frozen=True)
class AnswerInput:
    correction: str = ""
    root_cause: str = ""
    action: str = ""
    action_due: str = ""  # YYYY-MM-DD as typed
    note: str = ""


def of(session: Session, finding: Finding) -> CorrectiveAction | None:
    return session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.finding_id == finding.id)
    ).first()


def draft_of(ca: CorrectiveAction | None) -> CorrectiveActionRevision | None:
    if ca is None or not ca.revisions or ca.revisions[-1].submitted_at is not None:
        return None
    return ca.revisions[-1]


def sent_revisions(ca: CorrectiveAction | None) -> list[CorrectiveActionRevision]:
    """The revisions sent, newest first."""
    return [r for r in reversed(ca.revisions) if r.submitted_at] if ca else []


def plan_of(ca: CorrectiveAction | None) -> CorrectiveActionRevision | None:
    """The newest plan sent (its texts stand until a new plan is sent)."""
    return next((r for r in sent_revisions(ca) if r.stage == PLAN), None)


def evidence_with_plan(ca: CorrectiveAction | None) -> bool:
    """The newest revision sent is a plan that came with evidence files."""
    newest = next(iter(sent_revisions(ca)), None)
    return newest is not None and newest.stage == PLAN and bool(newest.files)


def stage_for(ca: CorrectiveAction | None) -> str | None:
    """What the client may write now: the plan, the evidence, or nothing (the CB's turn)."""
    status = ca.status if ca else S.DRAFT
    if status in (S.DRAFT, S.PLAN_REJECTED):
        return PLAN
    if status in (S.PLAN_ACCEPTED, S.REOPENED):
        return EVIDENCE
    return None


def is_nonconformity(finding: Finding) -> bool:
    return finding.grade in NONCONFORMITIES and finding.deleted_at is None


def open_for_answers(session: Session, finding: Finding) -> CorrectiveAction:
    """The finding's corrective action (made on first use), once answers may be given."""
    if not is_nonconformity(finding):
        raise CapaRefused("correction", "Only a nonconformity is answered.")
    audit = session.get(Audit, finding.audit_id)
    assert audit is not None
    if not workflow.is_open(audit.status, workflow.Part.CORRECTIVE_ACTIONS):
        raise CapaRefused("correction", "Answers open once the audit report is released.")
    ca = of(session, finding)
    if ca is None:
        ca = CorrectiveAction(finding_id=finding.id, audit_id=finding.audit_id, status=S.DRAFT)
        session.add(ca)
        session.flush()
    return ca


def client_turn(ca: CorrectiveAction) -> str:
    stage = stage_for(ca)
    if stage is None:
        what = "closed" if ca.status == S.VERIFIED_CLOSED else "with the certification body"
        raise CapaRefused("correction", f"This nonconformity is {what}: nothing to send now.")
    return stage


def new_revision(ca: CorrectiveAction, stage: str) -> CorrectiveActionRevision:
    last = plan_of(ca)
    revision = CorrectiveActionRevision(
        number=(ca.revisions[-1].number if ca.revisions else 0) + 1,
        stage=stage,
        correction=last.correction if last else "",
        root_cause=last.root_cause if last else "",
        action=last.action if last else "",
        action_due=last.action_due if last else None,
    )
    ca.revisions.append(revision)
    return revision


def checked_text(value: str, field: str) -> str:
    if len(value) > TEXT_LIMIT:
        raise CapaRefused(field, f"Keep this under {TEXT_LIMIT:,} characters.")
    return value.strip()
