"""What a certification's page shows, worked out without Flask: its audit time from the
tables (auditkit.planning.audit_time) and its programme, each audit of the cycle with its
window, due date, the audits planned for it and a flag (auditkit.planning.cycle).

Before any decision the programme is the initial audit: stage 1 and stage 2. Once a cycle
exists its surveillances and recertification follow the CB's cycle policy; audits of this
certification are matched to them by type and date, and an audit counts as held once it is
under way or past it and its last day has come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from auditkit import workflow
from auditkit.certifications.fields import personnel_working
from auditkit.certifications.schemes import SCHEMES
from auditkit.certifications.sectors import sector_label
from auditkit.field_errors import FieldError
from auditkit.models import Audit, AuditType, Certification
from auditkit.planning.audit_time import AuditTime, StandardInput, audit_time
from auditkit.planning.cycle import Programme, programme_on_dates
from auditkit.planning.cycle_flags import AuditState, CycleFlags, flags
from auditkit.planning.cycle_policy import VCA_POLICY, CyclePolicy
from auditkit.planning.time_tables import PlanningError

FLAG_LABELS = {
    "to_plan": "to plan",
    "on_plan": "audit planned",
    "held": "held",
    AuditState.DONE: "held",
    AuditState.NOT_YET_OPEN: "not yet open",
    AuditState.OPEN: "open",
    AuditState.AT_RISK: "at risk",
    AuditState.OVERDUE: "overdue",
}
INITIAL = ((AuditType.STAGE1, "Stage 1"), (AuditType.STAGE2, "Stage 2"))


@dataclass(frozen=True)
class ProgrammeRow:
    key: str
    label: str
    window: str
    due_by: date | None
    flag: str
    rule: str = ""
    audits: list[Audit] = field(default_factory=list)

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS.get(self.flag, self.flag)


def policy_for(certification: Certification) -> CyclePolicy:
    """The cycle policy of the certification's scheme (VCA's interim audits are yearly)."""
    return VCA_POLICY if SCHEMES[certification.scheme].vca_levels else CyclePolicy()


def certification_audit_time(certification: Certification) -> AuditTime:
    """The audit time of this certification alone, from its personnel and complexity."""
    if not certification.effective_personnel:
        raise PlanningError("the effective personnel is not known yet")
    scheme = SCHEMES[certification.scheme]
    return audit_time(
        [
            StandardInput(
                scheme.standard,
                certification.effective_personnel,
                certification.complexity,
            )
        ]
    )


def held(audit: Audit, today: date) -> bool:
    return workflow.started(audit.status) and audit.end_date <= today


def _cycle_programme(certification: Certification) -> Programme | None:
    if not certification.cycles:
        return None
    cycle = certification.cycles[-1]
    first = len(certification.cycles) == 1 and cycle.origin == "decision"
    if cycle.origin == "transfer":
        first = bool((certification.transfer or {}).get("first_cycle"))
    return programme_on_dates(
        policy_for(certification),
        first_cycle=first,
        decision_date=cycle.start_date,
        start=cycle.start_date,
        expiry=cycle.expiry_date,
    )


def programme_rows(
    certification: Certification, today: date
) -> tuple[list[ProgrammeRow], CycleFlags | None]:
    """The rows of the programme table, and the cycle's flags once a cycle exists."""
    audits = [a for a in certification.audits if a.audit_type != AuditType.FOLLOW_UP]
    prog = _cycle_programme(certification)
    if prog is None:
        rows = []
        for kind, label in INITIAL:
            planned = [a for a in audits if a.audit_type == kind]
            flag = (
                "held"
                if any(held(a, today) for a in planned)
                else ("on_plan" if planned else "to_plan")
            )
            rows.append(
                ProgrammeRow(kind.value, label, "before the decision", None, flag, "", planned)
            )
        return rows, None
    in_cycle = [a for a in audits if prog.start <= a.start_date <= prog.expiry]
    surveillances = [a for a in in_cycle if a.audit_type == AuditType.SURVEILLANCE]
    elsewhere = set()
    if certification.cycles[-1].origin == "transfer":
        elsewhere = set((certification.transfer or {}).get("held", []))
    # Surveillances in date order take the cycle's surveillance keys in order, skipping
    # those the issuing CB of a transferred certificate held.
    keys = [a.key for a in prog.due if a.kind == AuditType.SURVEILLANCE and a.key not in elsewhere]
    matched: dict[str, list[Audit]] = {}
    for key, audit in zip(keys, surveillances, strict=False):
        matched.setdefault(key, []).append(audit)
    matched["recertification"] = [a for a in in_cycle if a.audit_type == AuditType.RECERTIFICATION]
    done = {
        key: min(a.end_date for a in found if held(a, today))
        for key, found in matched.items()
        if any(held(a, today) for a in found) and key in {x.key for x in prog.due}
    }
    for key in elsewhere:  # held by the issuing CB, on a date we do not hold
        done.setdefault(key, None)
    cycle_flags = flags(prog, today, done)
    rows = []
    for flag in cycle_flags.audits:
        due = flag.audit
        planned = matched.get(due.key, [])
        state = flag.state.value
        if flag.state != AuditState.DONE and planned and flag.state != AuditState.OVERDUE:
            state = "on_plan"
        label = (
            f"Surveillance {due.number}"
            if due.kind == AuditType.SURVEILLANCE
            else "Recertification"
        )
        rows.append(
            ProgrammeRow(
                due.key,
                label,
                f"{due.window_opens} to {due.due_by}",
                due.due_by,
                state,
                due.rule,
                planned,
            )
        )
    return rows, cycle_flags


def overview(certification: Certification, today: date) -> dict[str, Any]:
    """Everything the certification page shows beside the record itself."""
    context: dict[str, Any] = {
        "scheme": SCHEMES[certification.scheme],
        "sectors": [sector_label(int(c)) for c in certification.sector_codes],
        "personnel_working": [],
        "audit_time": None,
        "audit_time_error": "",
    }
    try:
        context["personnel_working"] = list(personnel_working(certification.personnel).working)
    except FieldError:
        pass
    try:
        found = certification_audit_time(certification)
    except PlanningError as exc:
        context["audit_time_error"] = f"No audit time yet: {exc}."
    else:
        context["audit_time"] = {
            "initial": _days(found.initial_days),
            "stage1": _days(found.stage1_days),
            "stage2": _days(found.stage2_days),
            "surveillance": _days(found.surveillance_days),
            "recertification": _days(found.recertification_days),
            "working": list(found.working),
        }
    rows, cycle_flags = programme_rows(certification, today)
    context["programme_rows"] = rows
    context["cycle_flags"] = cycle_flags
    context["cycle"] = certification.cycles[-1] if certification.cycles else None
    return context


def _days(value: Decimal) -> str:
    return f"{value.normalize():f}"


def refresh_next_due(certification: Certification, today: date) -> None:
    """Keep the certification's next audit (key, due date, planned or not) up to date, for
    the CB-wide programme list: called when an audit serving it is planned or moves."""
    nxt = None
    if certification.withdrawn_at is None:
        rows, _ = programme_rows(certification, today)
        nxt = next((r for r in rows if r.flag not in ("done", "held")), None)
    certification.next_audit = nxt.key if nxt else None
    certification.next_due_by = nxt.due_by if nxt else None
    certification.next_planned = bool(nxt and nxt.audits)
