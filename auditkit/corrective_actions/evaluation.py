"""The CB's side: the lead or a reviewer judges the plan, verifies the evidence (or on site,
or a minor at the next audit) and closes the nonconformity, or reopens it, with the reason."""

from __future__ import annotations

from auditkit.corrective_actions.state import (
    CapaConflict,
    CapaRefused,
    checked_text,
    evidence_with_plan,
)
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionRevision,
    Finding,
    Grade,
    VerificationMethod,
    utcnow,
)
from auditkit.models import CorrectiveActionStatus as S
from auditkit.unit_of_work import ServerWork


def judge_plan(
    work: ServerWork, ca: CorrectiveAction, revision: int, *, accept: bool, reason: str
) -> CorrectiveActionRevision:
    """The lead's or a reviewer's judgement of the plan sent as `revision`."""
    judged = _judged(ca, revision, S.SUBMITTED, "The plan is not waiting for a judgement.")
    reason = checked_text(reason, "reason")
    if not accept and not reason.strip():
        raise CapaRefused("reason", "Say why the plan is rejected: the client needs to know.")
    _judge(work, judged, "accept" if accept else "reject", reason)
    ca.status = S.PLAN_ACCEPTED if accept else S.PLAN_REJECTED
    ca.version += 1
    _event(work, ca, "capa.plan_accept" if accept else "capa.plan_reject", revision, reason)
    return judged


def verify(
    work: ServerWork, ca: CorrectiveAction, finding: Finding, *, method: str, note: str,
    revision: int | None = None,
) -> None:  # fmt: skip
    """Close the nonconformity as verified: who, how (method) and when are recorded."""
    try:
        how = VerificationMethod(method)
    except ValueError:
        raise CapaRefused("method", "Choose how the action was verified.") from None
    note = checked_text(note, "note")
    if how == VerificationMethod.DOCUMENT_REVIEW:
        read = revision if revision is not None else ca.submitted_revision
        if ca.status == S.PLAN_ACCEPTED and evidence_with_plan(ca):
            # The evidence came with the accepted plan (the correction was already done).
            _judged(ca, read, S.PLAN_ACCEPTED, "")
        else:
            judged = _judged(
                ca,
                read,
                S.EVIDENCE_SUBMITTED,
                "A document review needs evidence sent by the client.",
            )
            _judge(work, judged, "accept", note)
    else:
        if ca.status not in (S.PLAN_ACCEPTED, S.EVIDENCE_SUBMITTED, S.REOPENED):
            raise CapaRefused("method", "Only an accepted plan can be verified.")
        if how == VerificationMethod.NEXT_AUDIT and finding.grade == Grade.MAJOR:
            raise CapaRefused(
                "method",
                "A major nonconformity is verified before the decision, by document review "
                "or on site, not at the next audit.",
            )
        if not note.strip():
            raise CapaRefused("note", "Say what was seen, and at which audit.")
    ca.status = S.VERIFIED_CLOSED
    ca.verified_at = utcnow()
    ca.verified_by_id = work.actor.user.id if work.actor.user else None
    ca.verified_by_name = work.actor.name
    ca.verification_method = how.value
    ca.verification_note = note
    ca.version += 1
    _event(work, ca, "capa.verify", ca.submitted_revision, note, method=how.value)


def refuse_evidence(work: ServerWork, ca: CorrectiveAction, revision: int, reason: str) -> None:
    judged = _judged(ca, revision, S.EVIDENCE_SUBMITTED, "No evidence is waiting to be verified.")
    if not reason.strip():
        raise CapaRefused("reason", "Say what is missing from the evidence.")
    _judge(work, judged, "reject", checked_text(reason, "reason"))
    ca.status = S.REOPENED
    ca.version += 1
    _event(work, ca, "capa.evidence_refuse", revision, reason)


def reopen(work: ServerWork, ca: CorrectiveAction, reason: str) -> None:
    if ca.status != S.VERIFIED_CLOSED:
        raise CapaRefused("reason", "Only a verified nonconformity can be reopened.")
    if not reason.strip():
        raise CapaRefused("reason", "Say why the nonconformity is reopened.")
    ca.status = S.REOPENED
    ca.verified_at, ca.verified_by_id, ca.verified_by_name = None, None, ""
    ca.verification_method, ca.verification_note = "", ""
    ca.version += 1
    _event(work, ca, "capa.reopen", ca.submitted_revision, checked_text(reason, "reason"))


def _judged(
    ca: CorrectiveAction, revision: int, status: S, not_waiting: str
) -> CorrectiveActionRevision:
    if revision != ca.submitted_revision:
        raise CapaConflict(
            "revision",
            f"The client sent revision {ca.submitted_revision} after the revision {revision} "
            "you judged: read the newer one first.",
        )
    if ca.status != status:
        raise CapaRefused("revision", not_waiting)
    judged = next((r for r in ca.revisions if r.number == revision), None)
    assert judged is not None and judged.submitted_at is not None
    return judged


def _judge(work: ServerWork, revision: CorrectiveActionRevision, verdict: str, reason: str) -> None:
    revision.judgement = verdict
    revision.judged_at = utcnow()
    revision.judged_by_name = work.actor.name
    revision.judgement_reason = reason


def _event(
    work: ServerWork, ca: CorrectiveAction, action: str, revision: int, reason: str, **extra: str
) -> None:
    """The audit event, and the change the lead's laptop pulls."""
    audit = work.session.get(Audit, ca.audit_id)
    assert audit is not None
    work.changed(audit, "corrective_action", str(ca.id), content=False)
    work.event(
        action,
        audit_id=ca.audit_id,
        entity="corrective_action",
        entity_id=str(ca.id),
        detail={"finding_id": str(ca.finding_id), "revision": revision, "reason": reason, **extra},
    )
