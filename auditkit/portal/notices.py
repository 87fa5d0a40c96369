"""The portal's messages to client contacts, queued in the caller's transaction (no Flask).

The functions here pick the recipients and the words' context; auditkit.mail renders,
queues and later sends them (a `Mailer` carries the mail settings and the CB's name). Every
message about an audit carries `organisation`, `audit_label` and the recipient's name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import labels, mail
from auditkit.corrective_actions import METHOD_LABELS
from auditkit.mail import Mailer
from auditkit.models import (
    Audit,
    CorrectiveAction,
    CorrectiveActionRevision,
    DeadlineExtension,
    Finding,
    MailMessage,
    PortalAccount,
    ReportRelease,
    TeamRole,
)
from auditkit.portal.accounts import Invitation
from auditkit.portal.records import NONCONFORMITY_GRADES, answer_due


def invitation(session: Session, mailer: Mailer, sent: Invitation, invited_by: str) -> MailMessage:
    account = sent.account
    return mail.queue(
        session,
        mailer.settings,
        "invitation",
        to_address=account.email,
        to_name=account.contact.name,
        cb_name=mailer.cb_name,
        organisation_id=account.organisation_id,
        context={
            "contact_name": account.contact.name,
            "organisation": account.organisation.legal_name or account.organisation.name,
            "invited_by": invited_by or mailer.cb_name,
            "link": mailer.link(f"/portal/welcome/{sent.token}"),
            "expires_at": sent.expires_at,
        },
    )


def report_released(
    session: Session, mailer: Mailer, audit: Audit, release: ReportRelease
) -> list[MailMessage]:
    """Tell every active contact of the audited organisation that its report is out."""
    nonconformities = len(
        session.scalars(
            select(Finding.id).where(
                Finding.audit_id == audit.id,
                Finding.deleted_at.is_(None),
                Finding.grade.in_(NONCONFORMITY_GRADES),
            )
        ).all()
    )
    return _to_contacts(
        session, mailer, "report_release", audit, contacts(session, audit),
        revision=release.revision,
        nonconformities=nonconformities,
        answer_due=answer_due(session, audit) if nonconformities else None,
        link=mailer.link(f"/portal/audits/{audit.id}"),
    )  # fmt: skip


def answer_received(
    session: Session,
    mailer: Mailer,
    audit: Audit,
    finding: Finding,
    ca: CorrectiveAction,
    revision: CorrectiveActionRevision,
) -> list[MailMessage]:
    """Tell the lead auditor that the client sent a plan or evidence to judge."""
    lead = next((m.user for m in audit.team_in_order if m.role == TeamRole.LEAD), None)
    if lead is None or not lead.email:
        return []
    return _to_contacts(
        session, mailer, "answer_received", audit, [(lead.email, lead.full_name)],
        name=lead.full_name,
        number=_number(finding),
        statement=finding.statement,
        evidence=revision.stage == "evidence",
        revision=revision.number,
        files=len(revision.files),
        link=mailer.link(f"/audits/{audit.id}#capa-{ca.id}"),
    )  # fmt: skip


def judged(
    session: Session, mailer: Mailer, kind: str, audit: Audit, finding: Finding,
    ca: CorrectiveAction, *, reason: str = "", by: str = "",
) -> list[MailMessage]:  # fmt: skip
    """Tell the client's contacts what the CB decided: plan_accepted, plan_rejected, nc_closed
    or nc_reopened (with the reason, and for a closure how it was verified)."""
    return _to_contacts(
        session, mailer, kind, audit, contacts(session, audit),
        number=_number(finding),
        statement=finding.statement,
        reason=reason,
        by=by,
        method=METHOD_LABELS.get(ca.verification_method, ""),  # type: ignore[call-overload]
        link=mailer.link(f"/portal/nonconformities/{finding.id}"),
    )  # fmt: skip


def extension_decided(
    session: Session, mailer: Mailer, audit: Audit, finding: Finding, row: DeadlineExtension
) -> list[MailMessage]:
    kind = "extension_granted" if row.decision == "granted" else "extension_refused"
    return _to_contacts(
        session, mailer, kind, audit, contacts(session, audit),
        number=_number(finding),
        until=row.until,
        reason=row.decision_reason,
        by=row.decided_by_name,
        link=mailer.link(f"/portal/nonconformities/{finding.id}"),
    )  # fmt: skip


def audit_plan(session: Session, mailer: Mailer, audit: Audit) -> list[MailMessage]:
    """The audit plan and team to the client: every contact with portal access, and the
    management representative, with the right to object to a member of the team."""
    recipients = dict(contacts(session, audit))
    for contact in audit.organisation.contacts:
        if contact.is_management_representative and contact.email.strip():
            recipients.setdefault(contact.email.strip().lower(), contact.name)
    return _to_contacts(
        session, mailer, "audit_plan", audit, sorted(recipients.items()),
        team=[
            (m.user.full_name, labels.TEAM_ROLE_LABELS.get(m.role, m.role.value))
            for m in audit.team_in_order
        ],
        sites=[s.name for s in audit.sites],
        start=audit.start_date,
        link=mailer.link(f"/portal/audits/{audit.id}/plan"),
    )  # fmt: skip


def active_accounts(session: Session, organisation_id: object) -> list[PortalAccount]:
    return [
        a
        for a in session.scalars(
            select(PortalAccount)
            .where(PortalAccount.organisation_id == organisation_id)
            .order_by(PortalAccount.email)
        )
        if a.is_active
    ]


def contacts(session: Session, audit: Audit) -> list[tuple[str, str]]:
    """(address, name) of every contact of the audited organisation with portal access."""
    return [(a.email, a.contact.name) for a in active_accounts(session, audit.organisation_id)]


def audit_label(audit: Audit) -> str:
    """E.g. "stage 2 audit A2026-0004 of 2026-11-10 to 2026-11-12"."""
    kind = labels.AUDIT_TYPE_LABELS[audit.audit_type].lower()
    dates = (
        audit.start_date.isoformat()
        if audit.start_date == audit.end_date
        else f"{audit.start_date.isoformat()} to {audit.end_date.isoformat()}"
    )
    number = f" {audit.number}" if audit.number else ""
    return f"{kind} audit{number} of {dates}"


def _to_contacts(
    session: Session, mailer: Mailer, kind: str, audit: Audit,
    recipients: list[tuple[str, str]], **context: Any,
) -> list[MailMessage]:  # fmt: skip
    """One message `kind` about `audit` to each (address, name)."""
    organisation = audit.organisation.legal_name or audit.organisation.name
    return [
        mail.queue(
            session, mailer.settings, kind, to_address=address, to_name=name,
            cb_name=mailer.cb_name, organisation_id=audit.organisation_id, audit_id=audit.id,
            context={
                "contact_name": name, "organisation": organisation,
                "audit_label": audit_label(audit), **context,
            },
        )  # fmt: skip
        for address, name in recipients
    ]


def _number(finding: Finding) -> str:
    return finding.number or f"P{finding.local_number}"
