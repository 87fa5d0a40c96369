"""Telling the audited organisation of a decision (no Flask, no commit): every contact with
portal access gets it; a suspension or withdrawal tells them to stop using the mark."""

from __future__ import annotations

from sqlalchemy.orm import Session

from auditkit import mail
from auditkit.certifications.schemes import display_name
from auditkit.decisions.outcomes import LABELS, PAST
from auditkit.mail import Mailer
from auditkit.models import Certificate, Certification, Decision, DecisionOutcome, MailMessage
from auditkit.portal.notices import active_accounts

Out = DecisionOutcome
SENTENCES = {
    Out.GRANT: "certification is granted.",
    Out.REFUSE: "certification is refused.",
    Out.MAINTAIN: "certification is maintained.",
    Out.RENEW: "certification is renewed for a new cycle.",
    Out.SUSPEND: "certification is suspended.",
    Out.RESTORE: "certification is restored.",
    Out.WITHDRAW: "certification is withdrawn.",
    Out.EXPAND_SCOPE: "the scope of certification is extended.",
    Out.REDUCE_SCOPE: "the scope of certification is reduced.",
}
STOP_USING_MARK = frozenset({Out.SUSPEND, Out.WITHDRAW})


def decision_taken(
    session: Session,
    mailer: Mailer,
    decision: Decision,
    certification: Certification,
    certificate: Certificate | None,
) -> list[MailMessage]:
    organisation = certification.organisation
    outcome = DecisionOutcome(decision.outcome)
    context = {
        "organisation": organisation.legal_name or organisation.name,
        "certified_to": display_name(certification.scheme, certification.vca_level),
        "outcome_past": PAST[outcome],
        "outcome_label": LABELS[outcome],
        "outcome_sentence": SENTENCES[outcome],
        "decision_date": decision.decision_date,
        "effective_date": decision.effective_date,
        "reasons": decision.reasons,
        "certificate_number": certificate.number if certificate else "",
        "revision": certificate.revision if certificate else 0,
        "expiry_date": certificate.expiry_date if certificate else None,
        "stop_using_mark": outcome in STOP_USING_MARK,
        "suspended_until": decision.suspended_until,
        "link": mailer.link("/portal/certificates"),
    }
    return [
        mail.queue(
            session,
            mailer.settings,
            "decision",
            to_address=account.email,
            to_name=account.contact.name,
            cb_name=mailer.cb_name,
            organisation_id=organisation.id,
            context={**context, "contact_name": account.contact.name},
        )  # fmt: skip
        for account in active_accounts(session, organisation.id)
    ]
