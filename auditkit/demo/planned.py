"""The demo's audits made the way a planner makes them (auditkit.planning.audits.plan_audit:
team checks, audit time from the tables, the MD 1 sample with its seed), and the two held
before the demo's today, whose programmes need them.

- Brightwater's ISO 9001 stage 1, held seven weeks ago (its stage 2 is the first demo audit);
- Van Dijk's VCA phase 1 (the document audit at the office), held four weeks ago;
- Delta's surveillance 2 of the integrated system, a year ahead: 11 depots besides the head
  office, so a sample of 0.6 x sqrt(11) = 1.99 -> 2 depots, one chosen, one drawn;
- Lumen's ISO/IEC 27001 stage 1, seven weeks ahead.

Anna de Vries leads all of them, so her laptop pulls each at its next sync.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from auditkit import workflow
from auditkit.demo.clients import DELTA, VANDIJK, sites_by_key
from auditkit.demo.ids import (
    BRIGHTWATER_STAGE1_ID,
    DELTA_SAMPLE_SEED,
    DELTA_SURVEILLANCE2_ID,
    LUMEN_STAGE1_ID,
    VCA_PHASE1_ID,
    fixed_id,
    monday,
)
from auditkit.models import (
    Audit,
    AuditTeamMember,
    AuditType,
    Certification,
    TeamRole,
    User,
)
from auditkit.planning import pin_checklists
from auditkit.planning.audits import PlanInput, next_number, plan_audit
from auditkit.planning.cycle_policy import add_months
from auditkit.planning.proposal import proposed_time
from auditkit.unit_of_work import ServerWork


def link(work: ServerWork, audit: Audit, certifications: list[Certification]) -> None:
    """Say which certifications one of the first audits serves (they predate certifications)."""
    missing = [c for c in certifications if c not in audit.certifications]
    if not missing:
        return
    audit.certifications.extend(missing)
    work.session.flush()
    work.event(
        "audit.certifications",
        audit_id=audit.id,
        entity="audit",
        entity_id=str(audit.id),
        detail={"added": [str(c.id) for c in missing], "source": "demo"},
    )


def _plan(
    work: ServerWork,
    audit_id: uuid.UUID,
    cert: Certification,
    plan: PlanInput,
    seed: int | None = None,
) -> Audit:
    """plan_audit as the planning form calls it, the audit getting its fixed demo id."""
    with fixed_id(work.session, Audit, audit_id):
        return plan_audit(work, cert.organisation, plan, seed=seed)


def mark_held(work: ServerWork, audit: Audit) -> None:
    """The audit took place before the demo's today and its report was accepted."""
    before = audit.status
    audit.status = workflow.HELD_ELSEWHERE
    audit.status_version += 1
    work.event(
        "audit.status",
        audit_id=audit.id,
        entity="audit",
        entity_id=str(audit.id),
        detail={
            "from": before.value,
            "to": audit.status.value,
            "source": "demo: held before today",
        },
    )


def brightwater_stage1(
    work: ServerWork, cert: Certification, users: dict[str, User], today: date
) -> Audit:
    audit = work.session.get(Audit, BRIGHTWATER_STAGE1_ID)
    if audit is None:
        start = monday(today - timedelta(days=49))
        plan = PlanInput(
            audit_type=AuditType.STAGE1.value,
            start_date=start.isoformat(),
            end_date=(start + timedelta(days=1)).isoformat(),
            certification_ids=[str(cert.id)],
            lead_id=str(users["auditor1"].id),
            objectives="Check that the QMS is ready for stage 2: documented information, "
            "internal audit and management review held, scope and the Tilburg boundary agreed.",
        )
        audit = _plan(work, BRIGHTWATER_STAGE1_ID, cert, plan)
        mark_held(work, audit)
    return audit


def vandijk_phase1(
    work: ServerWork, cert: Certification, users: dict[str, User], today: date
) -> Audit:
    """Written as a row: plan_audit samples the sites of a stage 1 too, and would send a
    phase 1 (documents, at the office) to the project site."""
    audit = work.session.get(Audit, VCA_PHASE1_ID)
    if audit is None:
        start = monday(today - timedelta(days=28))
        proposal = proposed_time([cert], AuditType.STAGE1)
        office = sites_by_key(VANDIJK, cert.organisation)["rotterdam"]
        audit = Audit(
            id=VCA_PHASE1_ID,
            number=next_number(work.session, start.year),
            organisation_id=cert.organisation_id,
            audit_type=AuditType.STAGE1,
            start_date=start,
            end_date=start,
            objectives="Phase 1: review the SHE documents against the VCA checklist at the "
            "VCA** level applied for, and agree the project site for phase 2.",
            scope=cert.scope,
            criteria="VCA 2017/6.0 at level VCA**; the company's SHE documentation.",
            planned_days=proposal.days,
            vca_level=cert.vca_level,
            plan_working={
                "audit_time": list(proposal.working),
                "sample": {"sampled": False, "working": ["phase 1 is held at the office"]},
                "team_override": None,
            },
        )
        audit.certifications = [cert]
        audit.sites = [office]
        audit.team = [AuditTeamMember(user_id=users["auditor1"].id, role=TeamRole.LEAD)]
        work.session.add(audit)
        work.session.flush()
        pin_checklists(work.session, audit, ["vca-2017"])
        work.event(
            "audit.plan",
            audit_id=audit.id,
            entity="audit",
            entity_id=str(audit.id),
            detail={"number": audit.number, "type": "stage1", "source": "demo"},
        )
        mark_held(work, audit)
    return audit


def delta_surveillance2(
    work: ServerWork, certs: list[Certification], users: dict[str, User]
) -> Audit:
    """In the calendar year after surveillance 1 is due: its window."""
    audit = work.session.get(Audit, DELTA_SURVEILLANCE2_ID)
    if audit is None:
        second_year = add_months(certs[0].cycles[-1].start_date, 24)
        start = monday(date(second_year.year, second_year.month, 10))
        days = proposed_time(certs, AuditType.SURVEILLANCE, "high").days
        if days is None:
            raise ValueError("the audit-time tables give no days for Delta's surveillance")
        calendar_days = -(-int(days * 2) // 4)  # two auditors' days, rounded up to whole days
        sites = sites_by_key(DELTA, certs[0].organisation)
        plan = PlanInput(
            audit_type=AuditType.SURVEILLANCE.value,
            start_date=start.isoformat(),
            end_date=(start + timedelta(days=calendar_days - 1)).isoformat(),
            certification_ids=[str(c.id) for c in certs],
            # Surveillance 1 visited Deventer and Apeldoorn: the planner picks a depot not yet
            # seen this cycle; the rest of the sample is drawn.
            chosen_site_ids=[str(sites["groningen"].id)],
            lead_id=str(users["auditor1"].id),
            member_ids=[str(users["auditor2"].id)],
            integration="high",
            # One scope for the three: plan_audit would join the three (identical) scopes.
            scope=certs[0].scope,
            objectives="Confirm that the integrated QHSE system still conforms and works at "
            "the head office and the depots sampled; follow up surveillance 1's findings.",
            remote_use="Document review of the depots' maintenance records by video call.",
        )
        audit = _plan(work, DELTA_SURVEILLANCE2_ID, certs[0], plan, seed=DELTA_SAMPLE_SEED)
    return audit


def lumen_stage1(
    work: ServerWork, cert: Certification, users: dict[str, User], today: date
) -> Audit:
    audit = work.session.get(Audit, LUMEN_STAGE1_ID)
    if audit is None:
        start = monday(today + timedelta(days=49))
        plan = PlanInput(
            audit_type=AuditType.STAGE1.value,
            start_date=start.isoformat(),
            end_date=(start + timedelta(days=2)).isoformat(),
            certification_ids=[str(cert.id)],
            lead_id=str(users["auditor1"].id),
            observer_ids=[str(users["auditor2"].id)],
            objectives="Check that the ISMS is ready for stage 2: risk assessment and "
            "treatment, the Statement of Applicability (v1.3), internal audit and management "
            "review; agree how the colocation supplier's controls are evidenced.",
        )
        audit = _plan(work, LUMEN_STAGE1_ID, cert, plan)
    return audit
