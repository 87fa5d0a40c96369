"""Appeals against certification decisions (17021-1 9.7), no Flask, no commit.

Any CB staff member records an appeal as received; it is decided by someone who took no part
in the decision appealed: not its decision maker, not on the team of any audit it rests on.
An upheld appeal does not change the decision by itself: the CB takes a new decision, which
the record of the appeal points to.
"""

from __future__ import annotations

from datetime import date

from auditkit.field_errors import FieldError
from auditkit.models import Appeal, Decision, utcnow
from auditkit.unit_of_work import ServerWork

OUTCOMES = {"upheld": "upheld", "rejected": "rejected"}
LIMIT = 5000


class AppealRefused(FieldError):
    pass


def _text(value: str, field: str, what: str, limit: int = LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise AppealRefused(field, f"Give {what}.")
    if len(value) > limit:
        raise AppealRefused(field, f"Keep {what} under {limit} characters.")
    return value


def lodge(
    work: ServerWork,
    decision: Decision,
    *,
    received_on: date | None,
    lodged_by: str,
    grounds: str,
    today: date,
) -> Appeal:
    if received_on is None:
        raise AppealRefused("received_on", "Give the date the appeal was received.")
    if received_on > today or received_on < decision.decision_date:
        raise AppealRefused(
            "received_on", "The appeal is received after the decision and not in the future."
        )
    assert work.actor.user is not None
    appeal = Appeal(
        decision_id=decision.id,
        received_on=received_on,
        lodged_by=_text(lodged_by, "lodged_by", "who lodged the appeal", 200),
        grounds=_text(grounds, "grounds", "the grounds of the appeal"),
        recorded_by_id=work.actor.user.id,
    )
    work.session.add(appeal)
    work.session.flush()
    work.event(
        "appeal.lodged", entity="appeal", entity_id=str(appeal.id),
        detail={"decision": str(decision.id)},
    )  # fmt: skip
    return appeal


def took_part(user_id: object, decision: Decision) -> bool:
    """Whether this person decided, or audited for, the decision appealed."""
    if decision.decided_by_id == user_id:
        return True
    return any(m.user_id == user_id for audit in decision.audits for m in audit.team)


def decide(work: ServerWork, appeal: Appeal, *, outcome: str, reasons: str) -> None:
    user = work.actor.user
    assert user is not None
    if appeal.outcome:
        raise AppealRefused("outcome", "This appeal is decided already.")
    if took_part(user.id, appeal.decision):
        raise AppealRefused(
            "outcome",
            "You took part in the decision appealed (as its decision maker or on an audit "
            "team), so someone else decides the appeal (ISO/IEC 17021-1 9.7).",
        )
    if outcome not in OUTCOMES:
        raise AppealRefused("outcome", "Choose whether the appeal is upheld or rejected.")
    appeal.outcome = outcome
    appeal.reasons = _text(reasons, "reasons", "the reasons")
    appeal.decided_by_id = user.id
    appeal.decided_by_name = user.full_name
    appeal.decided_at = utcnow()
    work.event(
        "appeal.decided", entity="appeal", entity_id=str(appeal.id),
        detail={"decision": str(appeal.decision_id), "outcome": outcome},
    )  # fmt: skip
