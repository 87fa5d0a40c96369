"""Demo certificates and decisions, so a newcomer finds each state the CB deals with:

- Delta Installatietechniek: ISO 9001, 14001 and 45001 granted ten months ago, all valid;
- Brightwater Coatings: ISO 9001 granted fourteen months ago, suspended three weeks ago
  because its first surveillance is overdue (the client must stop using the mark);
- Harbour Logistics: ISO 14001 granted 38 months ago, expired two months ago (nothing was
  stored to make it so: its expiry date has passed);
- Noordzee Packaging: ISO 9001 stage 1 and stage 2 held and accepted with no nonconformity:
  its grant waits for the decision maker (Daan Decider).

The grants of the past are recorded as decisions of their day with the certificates they
issued, through auditkit.certificates.issue; nothing that exists is changed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from auditkit.certificates import issue
from auditkit.certificates.settings import CertificateSettings, parse_accredited_scope
from auditkit.demo.clients import NOORDZEE, sites_by_key
from auditkit.demo.ids import demo_id
from auditkit.demo.planned import mark_held
from auditkit.models import (
    Audit,
    AuditTeamMember,
    AuditType,
    Certificate,
    CertificateStatus,
    Certification,
    Decision,
    DecisionOutcome,
    TeamRole,
    User,
)
from auditkit.planning import pin_checklists
from auditkit.planning.audits import next_number
from auditkit.unit_of_work import ServerWork

# What the demo CB is accredited for when AUDITKIT_ACCREDITED_SCOPE is not set.
DEMO_ACCREDITED_SCOPE = "iso9001-2015:1-39;iso14001-2015:*;iso45001-2018:*"


def demo_settings(settings: CertificateSettings) -> CertificateSettings:
    if settings.accredited_scope:
        return settings
    return CertificateSettings(
        number_pattern=settings.number_pattern,
        prefix=settings.prefix,
        validity_years=settings.validity_years,
        expiry_minus_one_day=settings.expiry_minus_one_day,
        accredited_scope=parse_accredited_scope(DEMO_ACCREDITED_SCOPE),
    )


def _decision(
    work: ServerWork, key: str, certification: Certification, decider: User,
    outcome: DecisionOutcome, on: date, reasons: str, **fields: object,
) -> Decision | None:  # fmt: skip
    decision_id = demo_id(f"decision:{key}")
    if work.session.get(Decision, decision_id) is not None:
        return None
    decision = Decision(
        id=decision_id,
        organisation_id=certification.organisation_id,
        certification_id=certification.id,
        outcome=outcome,
        decided_by_id=decider.id,
        decided_by_name=decider.full_name,
        decided_at=datetime.combine(on, time(11, 0), tzinfo=UTC),
        decision_date=on,
        effective_date=on,
        reasons=reasons,
        gate_results=[],
        **fields,
    )
    work.session.add(decision)
    work.session.flush()
    return decision


def grant_held(
    work: ServerWork, certification: Certification, decider: User, settings: CertificateSettings
) -> Certificate | None:
    """The certificate of a certification whose cycle the demo started in the past."""
    if not certification.cycles:
        return None
    cycle = certification.cycles[0]
    decision = _decision(
        work, f"grant:{certification.id}", certification, decider, DecisionOutcome.GRANT,
        cycle.start_date, "Stage 2 held; every nonconformity answered and closed (demo history).",
        cycle_id=cycle.id,
    )  # fmt: skip
    if decision is None:
        return work.session.scalars(
            select(Certificate).where(Certificate.certification_id == certification.id)
        ).first()
    return issue.issue(
        work.session, settings, certification, decision, cycle, effective=cycle.start_date
    )


def suspend_overdue(
    work: ServerWork, certification: Certification, decider: User, today: date
) -> None:
    cert = work.session.scalars(
        select(Certificate).where(
            Certificate.certification_id == certification.id, Certificate.is_current.is_(True)
        )
    ).first()
    on = today - timedelta(days=21)
    until = on + timedelta(days=182)
    reasons = (
        "The first surveillance was due two months ago and the client has not agreed a date: "
        "certification is suspended until it is held (ISO/IEC 17021-1 9.6.5)."
    )
    decision = _decision(
        work, f"suspend:{certification.id}", certification, decider, DecisionOutcome.SUSPEND,
        on, reasons, basis="surveillance_overdue", suspended_until=until,
    )  # fmt: skip
    if decision is not None and cert is not None:
        issue.set_status(
            cert, CertificateStatus.SUSPENDED, since=on, reason=reasons, suspended_until=until
        )


def _audit(
    work: ServerWork, key: str, certification: Certification, users: dict[str, User],
    kind: AuditType, start: date, days: int, objectives: str,
) -> Audit:  # fmt: skip
    audit_id = demo_id(f"audit:noordzee:{key}")
    audit = work.session.get(Audit, audit_id)
    if audit is not None:
        return audit
    site = sites_by_key(NOORDZEE, certification.organisation)["alkmaar"]
    audit = Audit(
        id=audit_id,
        number=next_number(work.session, start.year),
        organisation_id=certification.organisation_id,
        audit_type=kind,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        objectives=objectives,
        scope=certification.scope,
        criteria="ISO 9001:2015; the organisation's QMS documentation.",
        planned_days=Decimal(days),
    )
    audit.certifications = [certification]
    audit.sites = [site]
    audit.team = [AuditTeamMember(user_id=users["auditor1"].id, role=TeamRole.LEAD)]
    work.session.add(audit)
    work.session.flush()
    pin_checklists(work.session, audit, ["iso9001-2015"])
    work.event(
        "audit.plan", audit_id=audit.id, entity="audit", entity_id=str(audit.id),
        detail={"number": audit.number, "type": kind.value, "source": "demo"},
    )  # fmt: skip
    mark_held(work, audit)
    return audit


def noordzee_waiting(
    work: ServerWork, certification: Certification, users: dict[str, User], today: date
) -> Audit:
    """Stage 1 and 2 held and accepted, no nonconformity found. (No finding: the demo's
    laptops pull these audits, and the sync tests count the findings a laptop holds.)"""
    _audit(
        work, "stage1", certification, users, AuditType.STAGE1, today - timedelta(days=60), 1,
        "Check that the QMS is ready for stage 2.",
    )  # fmt: skip
    stage2 = _audit(
        work, "stage2", certification, users, AuditType.STAGE2, today - timedelta(days=14), 2,
        "Evaluate the QMS and decide whether to recommend initial certification.",
    )  # fmt: skip
    return stage2
