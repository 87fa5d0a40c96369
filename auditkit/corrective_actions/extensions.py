"""More time to answer a nonconformity: the client asks, with the new date and why; the lead
auditor or a reviewer grants it (the answer's deadline moves to that date) or refuses it
with the reason. One request is open at a time. Nothing commits here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.corrective_actions.state import CapaRefused, checked_text
from auditkit.models import Audit, DeadlineExtension, Finding, utcnow
from auditkit.unit_of_work import ServerWork

LONGEST = 180  # days past the current deadline a request may ask for


def requests(session: Session, finding: Finding) -> list[DeadlineExtension]:
    """The finding's requests, newest first."""
    return list(
        session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.finding_id == finding.id)
            .order_by(DeadlineExtension.requested_at.desc())
        )
    )


def open_request(session: Session, finding: Finding) -> DeadlineExtension | None:
    return next((r for r in requests(session, finding) if not r.decision), None)


def granted_until(session: Session, finding: Finding) -> date | None:
    """The answer's deadline as the latest granted request set it, if any."""
    return next((r.until for r in requests(session, finding) if r.decision == "granted"), None)


def ask(
    session: Session, finding: Finding, *, until: str, reason: str, by: str, due: date,
    today: date,
) -> DeadlineExtension:  # fmt: skip
    if open_request(session, finding) is not None:
        raise CapaRefused("until", "Your earlier request is still waiting for an answer.")
    try:
        day = date.fromisoformat(until.strip())
    except ValueError:
        raise CapaRefused("until", "Give the date as YYYY-MM-DD, e.g. 2027-02-28.") from None
    if day <= max(due, today):
        raise CapaRefused("until", f"Ask for a day after the current deadline, {due.isoformat()}.")
    if (day - due).days > LONGEST:
        raise CapaRefused("until", f"Ask for at most {LONGEST} days more at a time.")
    reason = checked_text(reason, "extension_reason")
    if not reason:
        raise CapaRefused("extension_reason", "Say why you need more time.")
    row = DeadlineExtension(finding_id=finding.id, until=day, reason=reason, requested_by_name=by)
    session.add(row)
    session.flush()
    return row


def decide(work: ServerWork, row: DeadlineExtension, *, grant: bool, reason: str) -> None:
    if row.decision:
        raise CapaRefused("extension", "This request was answered already.")
    reason = checked_text(reason, "extension_reason")
    if not grant and not reason:
        raise CapaRefused("extension_reason", "Say why the request is refused.")
    row.decision = "granted" if grant else "refused"
    row.decided_at = utcnow()
    row.decided_by_name = work.actor.name
    row.decision_reason = reason
    finding = work.session.get(Finding, row.finding_id)
    assert finding is not None
    audit = work.session.get(Audit, finding.audit_id)
    assert audit is not None
    if grant:  # the team's laptops get the audit again, with the new deadline
        work.changed(audit, "audit", str(audit.id), content=False)
    work.event(
        "capa.extension_grant" if grant else "capa.extension_refuse",
        audit_id=finding.audit_id,
        entity="deadline_extension",
        entity_id=str(row.id),
        detail={"finding_id": str(finding.id), "until": row.until.isoformat(), "reason": reason},
    )
