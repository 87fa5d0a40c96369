"""Versions of the data schema the mutations and pulled rows follow, and moving between them.

Schema 2 (auditkit 0.2): recommendations and grades fit the audit type (stage 1 areas of
concern, VCA deviations), the 17021-1 9.4.8.3 statements and the digest version of a sign-off
travel with the closure, clause references may carry a detail ("9.2.2 c)"), photos may be
annotated copies, and the register of audit activities syncs.

Schema 3 (auditkit 0.3): reviewer queries are threads. A review_comment row says what it is
(`kind`: a query, or the reasons of a return), which checklist item it asks about, the query it
replies to (`parent_id`) and who closed it; the team answers a query with query.answer.v1.
A schema 2 laptop reads the rows as before (it ignores the new fields, so it shows replies as
comments of their own) and never sends an answer.

A laptop one schema behind keeps working: what it pushes is upcast to the current schema
before it is applied (`upcast`), and what it pulls is cast down to what it can read
(`downcast_change`): rows it does not know are left out, values it does not know are mapped to
the nearest one it knows. Upcasting never loses what the laptop said; downcasting is only ever
for display on an old laptop, which is told to update.
"""

from __future__ import annotations

from typing import Any

# audit type -> what a schema 1 laptop's recommendation means in that audit type's terms
# (the same moves as migration 0008 made of stored values).
LEGACY_RECOMMENDATIONS = {
    "stage1": {
        "certify": "ready_for_stage2",
        "certify_after_closure": "ready_once_concerns_resolved",
        "do_not_certify": "not_ready_for_stage2",
    },
    "surveillance": {
        "certify": "maintain",
        "certify_after_closure": "maintain_after_closure",
        "do_not_certify": "suspend",
    },
    "special": {
        "certify": "extend_scope",
        "certify_after_closure": "extend_scope_after_closure",
        "do_not_certify": "no_change",
    },
    "follow_up": {
        "certify": "close_follow_up",
        "certify_after_closure": "follow_up_not_closed",
        "do_not_certify": "follow_up_not_closed",
    },
}
# Schema 2 values a schema 1 laptop cannot read, and the nearest one it can.
_DOWN_RECOMMENDATIONS = {
    "ready_for_stage2": "certify",
    "ready_once_concerns_resolved": "certify_after_closure",
    "not_ready_for_stage2": "do_not_certify",
    "maintain": "certify",
    "maintain_after_closure": "certify_after_closure",
    "suspend": "do_not_certify",
    "extend_scope": "certify",
    "extend_scope_after_closure": "certify_after_closure",
    "reduce_scope": "do_not_certify",
    "restore": "certify",
    "no_change": "do_not_certify",
    "close_follow_up": "certify",
    "follow_up_not_closed": "do_not_certify",
}
_DOWN_GRADES = {"concern": "observation", "deviation": "minor"}
_SCHEMA_1_ENTITIES = frozenset(
    {"response", "finding", "photo", "interviewee", "sampled_record", "meeting", "closure"}
    | {"review_comment"}
)


def upcast(
    name: str, payload: dict[str, Any], schema: int, *, audit_type: str, vca_only: bool
) -> dict[str, Any]:
    """A mutation's payload in the current schema (a copy; the original is kept as sent)."""
    if schema >= 2:
        return payload
    payload = dict(payload)
    if name == "closure.set.v1" and isinstance(payload.get("recommendation"), str):
        moves = LEGACY_RECOMMENDATIONS.get(audit_type, {})
        payload["recommendation"] = moves.get(payload["recommendation"], payload["recommendation"])
    if name in ("finding.create.v1", "finding.update.v1") and vca_only:
        if payload.get("grade") in ("major", "minor"):
            payload["grade"] = "deviation"  # VCA has no major or minor: one question, binary
    return payload


def downcast_change(change: dict[str, Any], schema: int) -> dict[str, Any] | None:
    """A pulled change as a laptop of `schema` reads it; None when it cannot hold it at all."""
    if schema < 4 and change["entity"] == "corrective_action":
        return None  # corrective actions reach laptops from schema 4
    if schema >= 2:
        return change
    if change["entity"] not in _SCHEMA_1_ENTITIES:
        return None
    data = change.get("data")
    if data is None:
        return change
    data = dict(data)
    if change["entity"] == "finding":
        data["clause_refs"] = [list(ref[:2]) for ref in data.get("clause_refs", [])]
        data["grade"] = _DOWN_GRADES.get(data.get("grade"), data.get("grade"))
    elif change["entity"] == "closure" and data.get("recommendation"):
        value = data["recommendation"]
        data["recommendation"] = _DOWN_RECOMMENDATIONS.get(value, value)
    return {**change, "data": data}
