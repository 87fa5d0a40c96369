"""Corrective actions (no Flask; ISO/IEC 17021-1 9.4.9-9.4.10, DOMAIN.md 1.6): the client's
answer to each nonconformity, kept as a draft until sent, and the CB's evaluation and
verification of it. Nothing commits here: the caller owns the transaction.

    draft -> submitted -> plan accepted -> evidence submitted -> verified closed
                       -> plan rejected (with the reason) -> (revised) submitted
    plan accepted or evidence submitted -> verified closed (on site, or a minor at the next audit)
    evidence submitted -> reopened (not enough, with the reason) -> evidence submitted
    verified closed -> reopened (proved ineffective, with the reason)

Every submission is a revision, kept as sent. A judgement names the revision it judged: if
the client has sent a newer one since, the judgement is refused as a conflict (CapaConflict),
so nobody accepts a plan they have not read.
"""

from auditkit.corrective_actions.answers import add_file, remove_file, save_draft, submit
from auditkit.corrective_actions.evaluation import judge_plan, refuse_evidence, reopen, verify
from auditkit.corrective_actions.state import (
    EVIDENCE,
    METHOD_LABELS,
    PLAN,
    STATUS_LABELS,
    AnswerInput,
    CapaConflict,
    CapaRefused,
    draft_of,
    evidence_with_plan,
    is_nonconformity,
    of,
    plan_of,
    sent_revisions,
    stage_for,
)

__all__ = [
    "EVIDENCE",
    "METHOD_LABELS",
    "PLAN",
    "STATUS_LABELS",
    "AnswerInput",
    "CapaConflict",
    "CapaRefused",
    "add_file",
    "draft_of",
    "evidence_with_plan",
    "is_nonconformity",
    "judge_plan",
    "of",
    "plan_of",
    "refuse_evidence",
    "remove_file",
    "reopen",
    "save_draft",
    "stage_for",
    "submit",
    "sent_revisions",
    "verify",
]
