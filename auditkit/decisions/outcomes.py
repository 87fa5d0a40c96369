"""Taking a certification decision, and what follows from it (17021-1 9.5-9.6; DESIGN.md 8).

`decide` checks the input, runs the gates (auditkit.decisions.gates), records the decision
with the gates' results, moves the file's audits to decided, starts the new cycle of a grant,
renewal or restoration after expiry, and issues or changes the certificate
(auditkit.certificates.issue). Nothing commits here: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from auditkit.certificates import issue
from auditkit.certificates.settings import CertificateSettings
from auditkit.certificates.status import status_on
from auditkit.certifications.overview import policy_for, refresh_next_due
from auditkit.decisions import gates
from auditkit.decisions.file import AWAITING, DecisionFile, decided_for
from auditkit.field_errors import FieldError
from auditkit.models import (
    AuditType,
    Certificate,
    CertificateStatus,
    CertificationCycle,
    Decision,
    DecisionOutcome,
)
from auditkit.planning.cycle import CycleError, CyclePolicy, programme, suspension_ends
from auditkit.unit_of_work import ServerWork

Out = DecisionOutcome
CS = CertificateStatus
REASONS_LIMIT = 5000

LABELS = {
    Out.GRANT: "grant certification",
    Out.REFUSE: "refuse certification",
    Out.MAINTAIN: "maintain certification",
    Out.RENEW: "renew certification",
    Out.SUSPEND: "suspend certification",
    Out.RESTORE: "restore certification",
    Out.WITHDRAW: "withdraw certification",
    Out.EXPAND_SCOPE: "extend the scope",
    Out.REDUCE_SCOPE: "reduce the scope",
}
PAST = {
    Out.GRANT: "granted",
    Out.REFUSE: "refused",
    Out.MAINTAIN: "maintained",
    Out.RENEW: "renewed",
    Out.SUSPEND: "suspended",
    Out.RESTORE: "restored",
    Out.WITHDRAW: "withdrawn",
    Out.EXPAND_SCOPE: "scope extended",
    Out.REDUCE_SCOPE: "scope reduced",
}


class DecisionRefused(FieldError):
    """Input that cannot be decided on; `field` names the form field to fix."""


class GatesFailed(Exception):
    def __init__(self, results: list[gates.GateResult]) -> None:
        failed = gates.blocking(results)
        super().__init__("; ".join(r.message for r in failed))
        self.results = results
        self.failed = failed


@dataclass(frozen=True)
class DecisionInput:
    outcome: DecisionOutcome
    decision_date: date
    reasons: str
    effective_date: date | None = None
    suspended_until: date | None = None
    scope: str | None = None  # a scope change: the new scope as stated
    site_scopes: dict[str, str] = field(default_factory=dict)


def cycle_policy(file: DecisionFile, settings: CertificateSettings) -> CyclePolicy:
    return replace(
        policy_for(file.certification),
        cycle_years=settings.validity_years,
        expiry_minus_one_day=settings.expiry_minus_one_day,
    )


def possible(file: DecisionFile, today: date) -> list[DecisionOutcome]:
    """The outcomes that fit this file and where the certificate stands."""
    cert = file.certificate
    state = status_on(cert, today) if cert is not None else None
    kind = file.principal.audit_type if file.principal is not None else None
    held = state in (CS.ACTIVE, CS.SUSPENDED)
    if kind == AuditType.STAGE2:
        return [Out.GRANT, Out.REFUSE]
    if kind == AuditType.RECERTIFICATION:
        if state == CS.EXPIRED:
            return [Out.RESTORE, Out.REFUSE]
        return [Out.RENEW, Out.REFUSE, Out.SUSPEND, Out.REDUCE_SCOPE]
    if kind in (AuditType.SURVEILLANCE, AuditType.SPECIAL) and held:
        found = [Out.MAINTAIN, Out.SUSPEND, Out.EXPAND_SCOPE, Out.REDUCE_SCOPE, Out.WITHDRAW]
        if state == CS.SUSPENDED:
            found = [Out.RESTORE, Out.WITHDRAW, Out.REDUCE_SCOPE, Out.MAINTAIN]
        return found
    if kind is None and held:
        if state == CS.SUSPENDED:
            return [Out.RESTORE, Out.WITHDRAW, Out.REDUCE_SCOPE]
        return [Out.SUSPEND, Out.WITHDRAW, Out.REDUCE_SCOPE]
    return []


def check_input(file: DecisionFile, data: DecisionInput, today: date) -> DecisionInput:
    reasons = data.reasons.strip()
    if not reasons:
        raise DecisionRefused("reasons", "Give the reasons for the decision.")
    if len(reasons) > REASONS_LIMIT:
        raise DecisionRefused("reasons", f"Keep the reasons under {REASONS_LIMIT} characters.")
    if data.outcome not in possible(file, today):
        raise DecisionRefused(
            "outcome",
            f"You cannot {LABELS[data.outcome]} here: the choices are "
            + (", ".join(LABELS[o] for o in possible(file, today)) or "none")
            + ".",
        )
    if data.decision_date > today:
        raise DecisionRefused("decision_date", "A decision cannot be dated in the future.")
    last_day = max((a.audit.end_date for a in file.audits), default=None)
    if last_day is not None and data.decision_date < last_day:
        raise DecisionRefused(
            "decision_date",
            f"The decision cannot come before the audit's last day ({last_day.isoformat()}).",
        )
    effective = data.effective_date or data.decision_date
    if effective < data.decision_date:
        raise DecisionRefused(
            "effective_date",
            "The effective date cannot be before the decision (ISO/IEC 17021-1 8.2.2 b).",
        )
    if data.outcome in (Out.EXPAND_SCOPE, Out.REDUCE_SCOPE) and not (data.scope or "").strip():
        raise DecisionRefused("scope", "State the scope as it is after the change.")
    return replace(data, reasons=reasons, effective_date=effective)


def decide(
    work: ServerWork,
    file: DecisionFile,
    data: DecisionInput,
    settings: CertificateSettings,
    today: date,
) -> Decision:
    """Record the decision and what follows; DecisionRefused or GatesFailed otherwise."""
    session = work.session
    user = work.actor.user
    if user is None:
        raise DecisionRefused("outcome", "A decision is taken by a person.")
    data = check_input(file, data, today)
    results = gates.check(gates.Context(session, file, user, data.outcome, data.decision_date))
    if gates.blocking(results):
        raise GatesFailed(results)
    policy = cycle_policy(file, settings)
    suspended_until = None
    if data.outcome == Out.SUSPEND:
        longest = suspension_ends(policy, data.decision_date)
        suspended_until = data.suspended_until or longest
        if not data.decision_date < suspended_until <= longest:
            raise DecisionRefused(
                "suspended_until",
                f"A suspension ends after the decision and by {longest.isoformat()} at the "
                f"latest ({policy.suspension_months} months, the CB's limit).",
            )
    decision = Decision(
        organisation_id=file.certification.organisation_id,
        certification_id=file.certification.id,
        outcome=data.outcome,
        basis=file.basis,
        decided_by_id=user.id,
        decided_by_name=user.full_name,
        decision_date=data.decision_date,
        effective_date=None if data.outcome == Out.REFUSE else data.effective_date,
        reasons=data.reasons,
        gate_results=[r.as_dict() for r in results],
        suspended_until=suspended_until,
        scope_change={"scope": data.scope, "sites": data.site_scopes} if data.scope else {},
        audits=file.audit_rows,
    )
    session.add(decision)
    session.flush()
    certificate = _apply(session, file, decision, data, settings, policy)
    for entry in file.audits:
        audit = entry.audit
        # An integrated audit is decided once every certification it serves has its decision.
        served = {c.id for c in audit.certifications} or {file.certification.id}
        if audit.status in AWAITING and served <= decided_for(session, audit):
            work.move(audit, "decide", decision=str(decision.id))
    refresh_next_due(file.certification, today)
    work.event(
        f"decision.{data.outcome.value}",
        audit_id=file.principal.id if file.principal else None,
        entity="decision",
        entity_id=str(decision.id),
        detail={
            "certification": str(file.certification.id),
            "audits": [str(a.id) for a in file.audit_rows],
            "certificate": issue.summary(certificate) if certificate else None,
            "gates": [r.rule for r in results],
            "basis": file.basis,
        },
    )
    return decision


def _new_cycle(
    session: Session, file: DecisionFile, policy: CyclePolicy, data: DecisionInput
) -> CertificationCycle:
    certification = file.certification
    try:
        if data.outcome == Out.GRANT:
            stage2 = file.stage2()
            prog = programme(
                policy,
                decision_date=data.decision_date,
                first_cycle=True,
                stage2_last_day=stage2.end_date if stage2 else None,
            )
        else:
            prog = programme(
                policy,
                decision_date=data.decision_date,
                first_cycle=False,
                previous_expiry=certification.cycles[-1].expiry_date,
            )
    except CycleError as exc:
        raise DecisionRefused("decision_date", str(exc)) from None
    cycle = CertificationCycle(start_date=prog.start, expiry_date=prog.expiry, origin="decision")
    certification.cycles.append(cycle)
    session.flush()
    return cycle


def _apply(
    session: Session,
    file: DecisionFile,
    decision: Decision,
    data: DecisionInput,
    settings: CertificateSettings,
    policy: CyclePolicy,
) -> Certificate | None:
    outcome = data.outcome
    cert = file.certificate
    effective = data.effective_date or data.decision_date
    if outcome == Out.REFUSE or outcome == Out.MAINTAIN and cert is None:
        return None
    if outcome in (Out.GRANT, Out.RENEW) or (
        outcome == Out.RESTORE and cert is not None and cert.expiry_date < data.decision_date
    ):
        cycle = _new_cycle(session, file, policy, data)
        decision.cycle_id = cycle.id
        return issue.issue(
            session, settings, file.certification, decision, cycle,
            effective=effective, scope=cert.scope if cert else None, previous=cert,
        )  # fmt: skip
    assert cert is not None  # possible() offers the rest only with a certificate
    if outcome == Out.MAINTAIN:
        return cert
    if outcome == Out.SUSPEND:
        issue.set_status(
            cert, CS.SUSPENDED, since=effective, reason=data.reasons,
            suspended_until=decision.suspended_until,
        )  # fmt: skip
        return cert
    if outcome == Out.RESTORE:
        issue.set_status(cert, CS.ACTIVE, since=effective, reason=data.reasons)
        return cert
    if outcome == Out.WITHDRAW:
        issue.set_status(cert, CS.WITHDRAWN, since=effective, reason=data.reasons)
        return cert
    # a change of scope: a new revision in the same cycle
    cycle = session.get(CertificationCycle, cert.cycle_id) if cert.cycle_id else None
    if cycle is None:
        cycle = file.certification.cycles[-1]
    file.certification.scope = (data.scope or "").strip()
    new = issue.issue(
        session, settings, file.certification, decision, cycle,
        effective=effective, scope=file.certification.scope,
        scope_by_site=data.site_scopes, previous=cert,
    )  # fmt: skip
    if cert.status == CS.SUSPENDED:
        issue.set_status(
            new, CS.SUSPENDED, since=cert.status_since or effective, reason=cert.status_reason,
            suspended_until=cert.suspended_until,
        )  # fmt: skip
    return new
