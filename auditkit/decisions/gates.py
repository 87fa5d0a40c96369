"""The rules checked before a certification decision, each a function named for what it asks.

A gate answers for one decision file, decision maker, outcome and date: passed or not, a
sentence saying why, and for a failure what would unblock it. The results are stored with
the decision and shown on the page before the decision maker decides; any failure blocks the
decision (auditkit.decisions.outcomes). Which gates apply depends on the outcome: a refusal,
suspension or withdrawal needs only an independent decision maker. No Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import workflow
from auditkit.certifications.overview import policy_for
from auditkit.checklists import parse_checklist, score_vca
from auditkit.checklists.vca import CONFORMING
from auditkit.corrective_actions import deadlines
from auditkit.decisions.file import AWAITING, DecisionFile
from auditkit.models import AuditType, DecisionOutcome, Grade, Response, User
from auditkit.planning.cycle import RenewalStatus, add_months, renewal_status

Out = DecisionOutcome
VCA_STANDARD = "VCA"


@dataclass(frozen=True)
class GateResult:
    rule: str  # the function's name: the test that covers it is named after it
    title: str
    passed: bool
    message: str
    unblock: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    session: Session
    file: DecisionFile
    decision_maker: User
    outcome: DecisionOutcome
    decision_date: date


Gate = Callable[[Context], GateResult | None]


def decision_maker_not_on_any_team(ctx: Context) -> GateResult:
    """17021-1 9.5.1: the decision maker was on no team of any audit in the file."""
    title = "The decision maker was on no audit team"
    on = [
        a.audit
        for a in ctx.file.audits
        if any(m.user_id == ctx.decision_maker.id for m in a.audit.team)
    ]
    if on:
        numbers = ", ".join(a.number or str(a.start_date) for a in on)
        return GateResult(
            "decision_maker_not_on_any_team",
            title,
            False,
            f"{ctx.decision_maker.full_name} was on the team of audit {numbers} "
            "(ISO/IEC 17021-1 9.5.1).",
            "Another decision maker, on no team of these audits, takes the decision.",
        )
    return GateResult(
        "decision_maker_not_on_any_team",
        title,
        True,
        f"{ctx.decision_maker.full_name} was on none of the {len(ctx.file.audits)} audit "
        "teams of this file.",
    )


def audits_reviewed(ctx: Context) -> GateResult | None:
    """Every audit in the file passed technical review (accepted, report released)."""
    if not ctx.file.audits:
        return None
    title = "Every audit in the file was reviewed and accepted"
    open_ = [
        a.audit
        for a in ctx.file.audits
        if a.audit.status not in AWAITING and not workflow.decided(a.audit.status)
    ]
    if open_:
        names = ", ".join(a.number or str(a.start_date) for a in open_)
        return GateResult(
            "audits_reviewed",
            title,
            False,
            f"Audit {names} has not been accepted by a reviewer.",
            "A reviewer accepts the audit after technical review.",
        )
    return GateResult("audits_reviewed", title, True, "Each audit was accepted by a reviewer.")


def nonconformities_resolved(ctx: Context) -> GateResult | None:
    """17021-1 9.5.2: every major verified closed, every minor with an accepted plan."""
    title = "Majors verified closed, minors with an accepted plan"
    majors = [n for n in ctx.file.nonconformities if n.grade == Grade.MAJOR]
    minors = [n for n in ctx.file.nonconformities if n.grade == Grade.MINOR]
    if not majors and not minors:
        return GateResult(
            "nonconformities_resolved", title, True, "There are no major or minor nonconformities."
        )
    open_majors = [n for n in majors if n.verified_on is None]
    open_minors = [n for n in minors if not n.plan_accepted]
    if open_majors or open_minors:
        parts = []
        if open_majors:
            parts.append(
                "major " + ", ".join(_number(n) for n in open_majors) + " not verified closed"
            )
        if open_minors:
            parts.append(
                "minor " + ", ".join(_number(n) for n in open_minors) + " without an accepted plan"
            )
        return GateResult(
            "nonconformities_resolved",
            title,
            False,
            "; ".join(parts).capitalize() + " (ISO/IEC 17021-1 9.5.2).",
            "The client answers; the CB accepts each minor's plan and verifies each major "
            "closed (Corrective actions on the audit page).",
        )
    return GateResult(
        "nonconformities_resolved",
        title,
        True,
        f"{len(majors)} major(s) verified closed, {len(minors)} minor(s) with an accepted plan.",
    )


def stage2_majors_verified_in_time(ctx: Context) -> GateResult | None:
    """17021-1 9.5.3: the majors of an initial stage 2 verified within 6 months of its last
    day (the CB's setting); otherwise a new stage 2 is needed before certification."""
    stage2 = ctx.file.stage2()
    if stage2 is None:
        return None
    # The same limit the corrective actions' deadlines use (AUDITKIT_CAPA_STAGE2_LIMIT_MONTHS).
    months = deadlines.policy().stage2_limit_months
    title = f"Stage 2 majors verified within {months} months"
    limit = add_months(stage2.end_date, months)
    majors = [
        n for n in ctx.file.nonconformities if n.audit.id == stage2.id and n.grade == Grade.MAJOR
    ]
    late = [n for n in majors if (n.verified_on or ctx.decision_date) > limit]
    if late:
        return GateResult(
            "stage2_majors_verified_in_time",
            title,
            False,
            f"Major {', '.join(_number(n) for n in late)} of the stage 2 ending "
            f"{stage2.end_date.isoformat()} was not verified by {limit.isoformat()} "
            "(ISO/IEC 17021-1 9.5.3).",
            "A new stage 2 audit is needed before certification can be granted.",
        )
    return GateResult(
        "stage2_majors_verified_in_time",
        title,
        True,
        f"Every stage 2 major was verified by {limit.isoformat()}."
        if majors
        else "The stage 2 raised no major nonconformity.",
    )


def recertification_in_time(ctx: Context) -> GateResult | None:
    """17021-1 9.6.3: a renewal is decided before expiry; after expiry it can only be a
    restoration, within 6 months of it (the policy's restoration period)."""
    certification = ctx.file.certification
    if not certification.cycles:
        return None
    expiry = certification.cycles[-1].expiry_date
    policy = policy_for(certification)
    state = renewal_status(policy, expiry, ctx.decision_date)
    title = "Recertification decided in time"
    until = add_months(expiry, policy.restoration_months)
    if state is RenewalStatus.TIMELY:
        if ctx.outcome == Out.RESTORE:
            return GateResult(
                "recertification_in_time",
                title,
                False,
                f"The certificate has not expired (it runs to {expiry.isoformat()}): "
                "this is a renewal, not a restoration.",
                "Choose renew.",
            )
        return GateResult(
            "recertification_in_time",
            title,
            True,
            f"Decided on or before the expiry date {expiry.isoformat()}.",
        )
    if state is RenewalStatus.RESTORED:
        if ctx.outcome == Out.RESTORE:
            return GateResult(
                "recertification_in_time",
                title,
                True,
                f"Expired on {expiry.isoformat()}; restoration is possible until "
                f"{until.isoformat()} (ISO/IEC 17021-1 9.6.3).",
            )
        return GateResult(
            "recertification_in_time",
            title,
            False,
            f"The certificate expired on {expiry.isoformat()}: it cannot be renewed, only "
            f"restored (until {until.isoformat()}).",
            "Choose restore after expiry; the new certificate is effective from the decision.",
        )
    return GateResult(
        "recertification_in_time",
        title,
        False,
        f"The certificate expired on {expiry.isoformat()} and could be restored only until "
        f"{until.isoformat()} (ISO/IEC 17021-1 9.6.3).",
        "A new initial certification is needed, with at least a stage 2 audit.",
    )


def vca_must_questions_met(ctx: Context) -> GateResult | None:
    """VCA: every deviation verified closed, so that every must-question is met at the level
    applied for; a grant on a level mapping still marked unconfirmed is refused."""
    # Scored on the audit decided on (phase 2, interim, recertification); the phase 1 before
    # it reviewed documents only. Its deviations and those of follow-ups are all in the file.
    principal = ctx.file.principal
    pinned_lists = [
        (principal, p)
        for p in (principal.checklists if principal is not None else [])
        if p.standard == VCA_STANDARD
    ]
    if not pinned_lists:
        return None
    title = "VCA: every must-question met at the level applied for"
    deviations = [n for n in ctx.file.nonconformities if n.grade == Grade.DEVIATION]
    open_ = [n for n in deviations if n.verified_on is None]
    if open_:
        return GateResult(
            "vca_must_questions_met",
            title,
            False,
            f"Deviation {', '.join(_number(n) for n in open_)} is not verified closed; VCA "
            "issues no certificate while a deviation is open.",
            "The client resolves each deviation and the CB verifies it closed.",
        )
    closed_items = {r.item_key for n in deviations for r in n.finding.responses}
    for audit, pinned in pinned_lists:
        checklist = parse_checklist(pinned.content, f"<pinned {pinned.checklist_id}>")
        if not checklist.level_mapping_confirmed and ctx.outcome in (Out.GRANT, Out.RENEW):
            return GateResult(
                "vca_must_questions_met",
                title,
                False,
                f"The level mapping of checklist {pinned.checklist_id} is marked unconfirmed: "
                "which questions are must-questions at each level has not been checked, so "
                "no certificate can rest on it.",
                "Install the checklist with the confirmed SSVV level mapping "
                "(checklists/README.md) and audit against it.",
            )
        prefix = f"{pinned.checklist_id}:"
        known = {q.id for _, q in checklist.iter_items()}
        answers: dict[str, str | None] = {}
        for key, verdict in ctx.session.execute(
            select(Response.item_key, Response.verdict).where(
                Response.audit_id == audit.id, Response.item_key.startswith(prefix)
            )
        ):
            qid = key[len(prefix) :]
            if qid in known:
                answers[qid] = (
                    CONFORMING if key in closed_items else (verdict.value if verdict else None)
                )
        level = audit.vca_level or ctx.file.certification.vca_level
        result = score_vca(checklist, answers).get(level or "")
        if result is None:
            return GateResult(
                "vca_must_questions_met",
                title,
                False,
                "The audit names no VCA level that its checklist knows.",
                "The planner sets the level applied for on the certification and the audit.",
            )
        if not result.passed:
            return GateResult(
                "vca_must_questions_met",
                title,
                False,
                f"{result.name}: " + " ".join(result.reasons),
                "Every must-question of the level must be met (deviations verified closed).",
            )
    return GateResult(
        "vca_must_questions_met",
        title,
        True,
        "Every must-question is met at the level applied for"
        + (f"; {len(deviations)} deviation(s) verified closed." if deviations else "."),
    )


def _number(n: object) -> str:
    finding = n.finding  # type: ignore[attr-defined]
    return finding.number or f"P{finding.local_number}"


_CERTIFYING = (
    decision_maker_not_on_any_team,
    audits_reviewed,
    nonconformities_resolved,
    vca_must_questions_met,
)
GATES: dict[DecisionOutcome, tuple[Gate, ...]] = {
    Out.GRANT: (*_CERTIFYING, stage2_majors_verified_in_time),
    Out.RENEW: (*_CERTIFYING, recertification_in_time),
    Out.MAINTAIN: _CERTIFYING,
    Out.EXPAND_SCOPE: _CERTIFYING,
    Out.REFUSE: (decision_maker_not_on_any_team,),
    Out.SUSPEND: (decision_maker_not_on_any_team,),
    Out.WITHDRAW: (decision_maker_not_on_any_team,),
    Out.REDUCE_SCOPE: (decision_maker_not_on_any_team,),
    Out.RESTORE: (decision_maker_not_on_any_team,),
}


def check(ctx: Context) -> list[GateResult]:
    """The result of every gate that applies to this outcome, in order."""
    results = []
    for gate in GATES[ctx.outcome]:
        result = gate(ctx)
        if result is not None:
            results.append(result)
    # Restoring after expiry rests on a recertification audit: the renewal rules apply.
    if ctx.outcome == Out.RESTORE and ctx.file.principal is not None:
        if ctx.file.principal.audit_type == AuditType.RECERTIFICATION:
            for gate in (audits_reviewed, nonconformities_resolved, recertification_in_time):
                result = gate(ctx)
                if result is not None:
                    results.append(result)
    return results


def blocking(results: list[GateResult]) -> list[GateResult]:
    return [r for r in results if not r.passed]
