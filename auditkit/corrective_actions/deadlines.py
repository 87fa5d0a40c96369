"""Deadlines of corrective actions: CB policy, read from the environment (no Flask).

17021-1 leaves the times to the CB (9.4.9); the defaults are the common ones (DOMAIN.md 1.6):
answers to every nonconformity within 30 days of the closing meeting; a major verified within
90 days of it, and never later than 6 months after the last day of a stage 2 (9.5.3: after
that a new stage 2 is needed); a minor's plan accepted before the decision (no date of its
own); a VCA deviation found at an interim audit corrected within 3 months.

    AUDITKIT_CAPA_ANSWER_DAYS=30  AUDITKIT_CAPA_MAJOR_VERIFY_DAYS=90
    AUDITKIT_CAPA_STAGE2_LIMIT_MONTHS=6  AUDITKIT_CAPA_VCA_INTERIM_MONTHS=3
    AUDITKIT_CAPA_REMIND_DAYS=7  (the reminder goes this many days before a deadline)
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.models import (
    Audit,
    AuditType,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    Meeting,
    MeetingKind,
)

_SETTINGS = {
    "answer_days": ("AUDITKIT_CAPA_ANSWER_DAYS", 30),
    "major_verify_days": ("AUDITKIT_CAPA_MAJOR_VERIFY_DAYS", 90),
    "stage2_limit_months": ("AUDITKIT_CAPA_STAGE2_LIMIT_MONTHS", 6),
    "vca_interim_months": ("AUDITKIT_CAPA_VCA_INTERIM_MONTHS", 3),
    "remind_days": ("AUDITKIT_CAPA_REMIND_DAYS", 7),
}
ANSWERED = frozenset(CorrectiveActionStatus) - {CorrectiveActionStatus.DRAFT}


class PolicyError(ValueError):
    """A deadline setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Policy:
    answer_days: int = 30
    major_verify_days: int = 90
    stage2_limit_months: int = 6
    vca_interim_months: int = 3
    remind_days: int = 7


def policy(environ: dict[str, str] | None = None) -> Policy:
    env = os.environ if environ is None else environ
    values = {}
    for name, (variable, default) in _SETTINGS.items():
        raw = (env.get(variable) or "").strip()
        try:
            value = int(raw) if raw else default
        except ValueError:
            raise PolicyError(f"{variable} is {raw!r}; give a whole number.") from None
        if not 0 < value <= 3650:
            raise PolicyError(f"{variable} is {value}; give 1 to 3650.")
        values[name] = value
    return Policy(**values)


@dataclass(frozen=True)
class Deadlines:
    answer: date  # the correction, cause and plan are sent by then
    verify: date | None  # a major: verified closed by then; a VCA deviation: corrected
    verify_rule: str  # what sets `verify`, in a few words


def closed_on(session: Session, audit: Audit) -> date:
    """The day of the closing meeting (the audit's last day when none was recorded)."""
    held = session.scalar(
        select(Meeting.held_at).where(
            Meeting.audit_id == audit.id, Meeting.kind == MeetingKind.CLOSING
        )
    )
    return held.date() if held is not None else audit.end_date


def deadlines(
    session: Session, audit: Audit, finding: Finding, rules: Policy, *,
    extended_to: date | None = None,
) -> Deadlines:  # fmt: skip
    closing = closed_on(session, audit)
    answer = extended_to or closing + timedelta(days=rules.answer_days)
    verify: date | None = None
    rule = ""
    if finding.grade == Grade.MAJOR:
        verify = closing + timedelta(days=rules.major_verify_days)
        rule = f"{rules.major_verify_days} days after the closing meeting"
        if audit.audit_type == AuditType.STAGE2:
            limit = add_months(audit.end_date, rules.stage2_limit_months)
            if limit < verify:
                verify, rule = limit, f"{rules.stage2_limit_months} months after the stage 2"
    elif finding.grade == Grade.DEVIATION and audit.audit_type == AuditType.SURVEILLANCE:
        verify = add_months(closing, rules.vca_interim_months)
        rule = f"{rules.vca_interim_months} months after an interim audit (VCA)"
    return Deadlines(answer, verify, rule)


def overdue(ca: CorrectiveAction | None, due: Deadlines, today: date) -> list[str]:
    """What is late: "answer" (nothing sent after its day), "verification" (not closed)."""
    late = []
    if (ca is None or ca.status not in ANSWERED) and today > due.answer:
        late.append("answer")
    closed = ca is not None and ca.status == CorrectiveActionStatus.VERIFIED_CLOSED
    if due.verify is not None and not closed and today > due.verify:
        late.append("verification")
    return late


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def capa_deadlines(session: Session, audit: Audit) -> dict[str, dict[str, str | None]]:
    """The deadlines of the audit's nonconformities once its report is out, as the audit
    sent to the team's laptops carries them (an extension granted re-sends the audit)."""
    from auditkit.corrective_actions.extensions import granted_until
    from auditkit.corrective_actions.state import is_nonconformity
    from auditkit.models import ReportRelease

    released = session.scalars(
        select(ReportRelease.id).where(ReportRelease.audit_id == audit.id)
    ).first()
    if released is None:
        return {}
    rules = policy()
    found: dict[str, dict[str, str | None]] = {}
    for finding in session.scalars(select(Finding).where(Finding.audit_id == audit.id)):
        if not is_nonconformity(finding):
            continue
        due = deadlines(session, audit, finding, rules, extended_to=granted_until(session, finding))
        found[str(finding.id)] = {
            "answer": due.answer.isoformat(),
            "verify": due.verify.isoformat() if due.verify else None,
        }
    return found
