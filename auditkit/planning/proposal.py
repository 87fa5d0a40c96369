"""The audit time a plan proposes for an audit type (no Flask): the certifications' tables
summed for an integrated audit (IAF MD 5, ISO/IEC 27006, MD 11), then the type's share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from auditkit.certifications.schemes import SCHEMES, display_name
from auditkit.field_errors import FieldError
from auditkit.labels import AUDIT_TYPE_LABELS
from auditkit.models import AuditType, Certification
from auditkit.planning.audit_time import StandardInput, audit_time, format_days
from auditkit.planning.time_tables import PlanningError

# The audit types the tables give a time for.
TIMED = (AuditType.STAGE1, AuditType.STAGE2, AuditType.SURVEILLANCE, AuditType.RECERTIFICATION)


@dataclass(frozen=True)
class TimeProposal:
    """The days the tables give for this audit type, and how they were worked out."""

    days: Decimal | None
    working: tuple[str, ...]
    error: str = ""


def proposed_time(
    certifications: Sequence[Certification], kind: AuditType, integration: str = "none"
) -> TimeProposal:
    """The days of this audit type for these certifications (MD 5, 27006, MD 11)."""
    if kind not in TIMED:
        return TimeProposal(None, (), "a special or follow-up audit takes the time it needs")
    inputs = []
    for cert in certifications:
        if not cert.effective_personnel:
            return TimeProposal(None, (), f"{display_name(cert.scheme)} has no personnel count")
        inputs.append(
            StandardInput(SCHEMES[cert.scheme].standard, cert.effective_personnel, cert.complexity)
        )
    try:
        found = audit_time(inputs, integration=integration if len(inputs) > 1 else None)
    except PlanningError as exc:
        return TimeProposal(None, (), str(exc))
    days = {
        AuditType.STAGE1: found.stage1_days,
        AuditType.STAGE2: found.stage2_days,
        AuditType.SURVEILLANCE: found.surveillance_days,
        AuditType.RECERTIFICATION: found.recertification_days,
    }[kind]
    label = AUDIT_TYPE_LABELS[kind].lower()
    return TimeProposal(
        days, (*found.working, f"planned for the {label}: {format_days(days)} days")
    )


def adjusted_step(table: Decimal, days: Decimal, reason: str) -> str:
    """The working step of a planner's change to the table time: it needs a reason, and a
    reduction of more than 30% of the table time is refused (IAF MD 5)."""
    reason = reason.strip()
    change = (days - table) * 100 / table
    if not reason:
        raise FieldError(
            "time_reason",
            f"The tables give {table.normalize():f} days: say why this audit takes "
            f"{days.normalize():f}.",
        )
    if len(reason) > 1000:
        raise FieldError("time_reason", "Keep the reason under 1000 characters.")
    if change < -30:
        raise FieldError(
            "planned_days",
            f"That is {-change:.0f}% less than the tables give ({table.normalize():f} days); "
            "reductions stop at 30% (IAF MD 5).",
        )
    return (
        f"planned {days.normalize():f} days instead of {table.normalize():f} "
        f"({change:+.0f}%): {reason}"
    )
