"""Reminders before a corrective action's deadline and notices once it has passed, queued by
`auditkit mail remind` (run daily from cron or a timer). Each goes once per contact and
deadline: its topic ("answer-reminder:<finding>:<day>:<account>") is unique in the outbox.
No Flask here; nothing commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import mail
from auditkit.corrective_actions import deadlines
from auditkit.mail import Mailer
from auditkit.models import Audit, CorrectiveActionStatus, MailMessage, ReportRelease
from auditkit.portal import records
from auditkit.portal.notices import active_accounts, audit_label

WHAT = {
    "answer": "your answer (correction, root cause and corrective action)",
    "verification": "the evidence that the corrective action was done",
}


def queue_reminders(session: Session, mailer: Mailer, today: date) -> list[MailMessage]:
    rules = deadlines.policy()
    organisations = session.scalars(
        select(Audit.organisation_id)
        .join(ReportRelease, ReportRelease.audit_id == Audit.id)
        .distinct()
    ).all()
    queued: list[MailMessage] = []
    for organisation_id in organisations:
        accounts = active_accounts(session, organisation_id)
        if not accounts:
            continue
        for nc in records.nonconformities(session, organisation_id, today=today):
            for what, due in _open_deadlines(nc):
                if today > due:
                    kind, topic = "deadline_overdue", f"{what}-overdue"
                elif today >= due - timedelta(days=rules.remind_days):
                    kind, topic = "deadline_reminder", f"{what}-reminder"
                else:
                    continue
                for account in accounts:
                    key = f"{topic}:{nc.finding.id}:{due.isoformat()}:{account.id}"
                    if session.scalars(
                        select(MailMessage.id).where(MailMessage.topic == key)
                    ).first():
                        continue
                    message = mail.queue(
                        session, mailer.settings, kind, to_address=account.email,
                        to_name=account.contact.name, cb_name=mailer.cb_name,
                        organisation_id=organisation_id, audit_id=nc.audit.id,
                        context={
                            "contact_name": account.contact.name,
                            "organisation": nc.audit.organisation.legal_name
                            or nc.audit.organisation.name,
                            "audit_label": audit_label(nc.audit),
                            "number": nc.finding.number or f"P{nc.finding.local_number}",
                            "statement": nc.finding.statement,
                            "what": WHAT[what],
                            "due": due,
                            "link": mailer.link(f"/portal/nonconformities/{nc.finding.id}"),
                        },
                    )  # fmt: skip
                    message.topic = key
                    queued.append(message)
    return queued


def _open_deadlines(nc: records.Nonconformity) -> list[tuple[str, date]]:
    """The deadlines still to be met by the client: the answer, then (a major's) evidence."""
    found = []
    status = nc.action.status if nc.action else None
    if status in (None, CorrectiveActionStatus.DRAFT, CorrectiveActionStatus.PLAN_REJECTED):
        found.append(("answer", nc.deadlines.answer))
    waiting = (CorrectiveActionStatus.PLAN_ACCEPTED, CorrectiveActionStatus.REOPENED)
    if nc.deadlines.verify is not None and status in waiting:
        found.append(("verification", nc.deadlines.verify))
    return found
