"""A certificate taken over from another CB (IAF MD 2), for the programme: the issuing CB's
certificate number and cycle dates, the audits it held, and what the pre-transfer review
found. The current cycle continues on those dates (auditkit.planning.cycle_transfer); the
transfer decision itself is a certification decision like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from auditkit.certifications.fields import CertificationError
from auditkit.certifications.records import refresh_next_due
from auditkit.models import Certification, CertificationCycle
from auditkit.planning.cycle import CycleError
from auditkit.planning.cycle_policy import CyclePolicy
from auditkit.planning.cycle_transfer import transfer
from auditkit.unit_of_work import ServerWork

HELD_CHOICES = ("surveillance1", "surveillance2")


def _date(values: Mapping[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(values.get(name, "") or "").strip())
    except ValueError:
        raise CertificationError(name, "Give the date as YYYY-MM-DD.") from None


def _text(values: Mapping[str, Any], name: str, limit: int, required: str) -> str:
    value = str(values.get(name, "") or "").strip()
    if not value:
        raise CertificationError(name, required)
    if len(value) > limit:
        raise CertificationError(name, f"Keep this under {limit} characters.")
    return value


def record_transfer(
    work: ServerWork,
    row: Certification,
    values: Mapping[str, Any],
    held: list[str],
    today: date,
    policy: CyclePolicy | None = None,
) -> CertificationCycle:
    """Start the certification's programme on the issuing CB's cycle."""
    if row.cycles or row.withdrawn_at is not None:
        raise CertificationError("from_cb", "Only a new application can be a transfer.")
    if str(values.get("accredited", "")) not in ("1", "on", "true"):
        raise CertificationError(
            "accredited",
            "Only a certificate under an accreditation of the IAF or a regional MLA can be "
            "transferred; treat any other as a new client.",
        )
    if str(values.get("suspended", "")) in ("1", "on", "true"):
        raise CertificationError("suspended", "A suspended certificate cannot be transferred.")
    from_cb = _text(values, "from_cb", 200, "Name the issuing certification body.")
    number = _text(values, "certificate_number", 60, "Give the certificate's number.")
    start, expiry = _date(values, "cycle_start"), _date(values, "expiry")
    if any(key not in HELD_CHOICES for key in held):
        raise CertificationError("held", "Tick the surveillance audits the issuing CB held.")
    first = str(values.get("first_cycle", "")) in ("1", "on", "true")
    try:
        found = transfer(
            policy or CyclePolicy(),
            cycle_start=start,
            expiry=expiry,
            first_cycle=first,
            decision_date=today,
            done=held,
        )
    except CycleError as exc:
        raise CertificationError("expiry", str(exc)) from None
    row.transfer = {
        "from_cb": from_cb,
        "certificate_number": number,
        "first_cycle": first,
        "held": list(found.done),
        "review": _text(values, "review", 5000, "Say what the pre-transfer review found."),
    }
    cycle = CertificationCycle(start_date=start, expiry_date=expiry, origin="transfer")
    row.cycles.append(cycle)
    work.session.flush()
    refresh_next_due(row, today)
    work.event(
        "certification.transfer",
        entity="certification",
        entity_id=str(row.id),
        detail={"from_cb": from_cb, "certificate_number": number, "held": list(found.done)},
    )
    return cycle
