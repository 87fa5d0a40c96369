"""A decision form's values (strings, as posted) into a DecisionInput, each error naming its
field (no Flask)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from auditkit.decisions.outcomes import DecisionInput, DecisionRefused
from auditkit.models import DecisionOutcome


def parse_date(values: Mapping[str, Any], name: str, *, required: bool) -> date | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        if required:
            raise DecisionRefused(name, "Give the date as YYYY-MM-DD.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DecisionRefused(name, "Give the date as YYYY-MM-DD, such as 2026-01-31.") from None


def decision_input(values: Mapping[str, Any]) -> DecisionInput:
    try:
        outcome = DecisionOutcome(str(values.get("outcome", "")))
    except ValueError:
        raise DecisionRefused("outcome", "Choose the decision.") from None
    decision_date = parse_date(values, "decision_date", required=True)
    assert decision_date is not None
    scope = str(values.get("scope", "") or "").replace("\r\n", "\n").strip()
    return DecisionInput(
        outcome=outcome,
        decision_date=decision_date,
        effective_date=parse_date(values, "effective_date", required=False),
        reasons=str(values.get("reasons", "") or "").replace("\r\n", "\n"),
        suspended_until=parse_date(values, "suspended_until", required=False)
        if outcome == DecisionOutcome.SUSPEND
        else None,
        scope=scope
        if outcome in (DecisionOutcome.EXPAND_SCOPE, DecisionOutcome.REDUCE_SCOPE)
        else None,
    )
