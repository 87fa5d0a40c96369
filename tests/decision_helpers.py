"""Building decision files in tests: a certification with its audits accepted, findings
with corrective actions in a given state, a decision maker off the teams."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from auditkit.certificates.settings import CertificateSettings
from auditkit.decisions import file as decision_file
from auditkit.decisions import outcomes
from auditkit.models import (
    AuditStatus,
    AuditType,
    CorrectiveAction,
    CorrectiveActionStatus,
    Grade,
    Role,
)
from auditkit.unit_of_work import Actor, ServerWork

SETTINGS = CertificateSettings(accredited_scope={"iso9001-2015": None})


def initial(factory, *, today: date, stage2_end: date | None = None, scheme="iso9001-2015"):  # type: ignore[no-untyped-def]
    """A certification whose stage 1 and stage 2 are accepted; the stage 2 ends on
    `stage2_end` (a week before `today` by default)."""
    lead = factory.auditor()
    certification = factory.certification(scheme=scheme)
    end = stage2_end or today - timedelta(days=7)
    checklists = ("vca-2017",) if scheme.startswith("vca") else (scheme,)
    stage1 = factory.audit(
        organisation=certification.organisation, audit_type=AuditType.STAGE1,
        status=AuditStatus.ACCEPTED, lead=lead, start=end - timedelta(days=40), days=1,
        checklists=checklists,
    )  # fmt: skip
    stage2 = factory.audit(
        organisation=certification.organisation, audit_type=AuditType.STAGE2,
        status=AuditStatus.REPORT_RELEASED, lead=lead, start=end - timedelta(days=1), days=2,
        checklists=checklists, vca_level="star1" if scheme.startswith("vca") else None,
    )  # fmt: skip
    certification.audits.extend([stage1, stage2])
    factory.session.flush()
    return certification, stage1, stage2, lead


def nonconformity(factory, audit, grade: Grade, status: CorrectiveActionStatus, verified_on=None):  # type: ignore[no-untyped-def]
    finding = factory.finding(audit, grade=grade)
    ca = CorrectiveAction(finding_id=finding.id, audit_id=audit.id, status=status)
    if verified_on is not None:
        ca.verified_at = datetime.combine(verified_on, time(12), tzinfo=UTC)
    factory.session.add(ca)
    factory.session.flush()
    return finding, ca


def decision_maker(factory):  # type: ignore[no-untyped-def]
    return factory.user(Role.DECISION_MAKER)


def work(factory, user) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor(user, "pytest"))


def decide(factory, user, certification, principal, outcome, on: date, *, today=None, **fields):  # type: ignore[no-untyped-def]
    factory.session.refresh(certification)
    built = decision_file.build(factory.session, certification, principal)
    data = outcomes.DecisionInput(
        outcome=outcome, decision_date=on, reasons=fields.pop("reasons", "All in order."),
        **fields,
    )  # fmt: skip
    return outcomes.decide(work(factory, user), built, data, SETTINGS, today or on)
