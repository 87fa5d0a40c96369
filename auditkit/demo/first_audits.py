"""The demo's first three audits, older than certifications and planning: an ISO 9001 stage 2,
an integrated ISO 9001 + 14001 + 45001 surveillance and a VCA** audit. Written as rows (not
through plan_audit) with the content laptops already hold; auditkit.demo.certifications
links each to the certifications it serves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from auditkit.demo.clients import BRIGHTWATER, DELTA, VANDIJK, ensure_client, sites_by_key
from auditkit.demo.ids import (
    AUDIT_ID,
    DEMO_PASSWORD,
    INTEGRATED_AUDIT_ID,
    VCA_AUDIT_ID,
    DemoUser,
    user_id,
)
from auditkit.models import Audit, AuditTeamMember, AuditType, TeamRole, User, UserRole
from auditkit.planning import pin_checklists


def ensure_user(session: Session, demo: DemoUser) -> User:
    user = session.get(User, user_id(demo.username))
    if user is None:
        user = User(
            id=user_id(demo.username),
            username=demo.username,
            full_name=demo.full_name,
            email=f"{demo.username}@cb.example",
            password_hash=generate_password_hash(DEMO_PASSWORD),
            roles=[UserRole(role=r) for r in demo.roles],
        )
        session.add(user)
    return user


def _team(users: dict[str, User], *, with_bram: bool = True) -> list[AuditTeamMember]:
    team = [AuditTeamMember(user=users["auditor1"], role=TeamRole.LEAD)]
    if with_bram:
        team.append(AuditTeamMember(user=users["auditor2"], role=TeamRole.AUDITOR))
    return team


def brightwater_stage2(session: Session, users: dict[str, User], today: date) -> Audit:
    """Brightwater Components: the ISO 9001 stage 2, two weeks ahead. It visits the Tilburg
    warehouse too, outside the scope, to confirm where the scope ends (see its certification)."""
    org = ensure_client(session, BRIGHTWATER)
    audit = session.get(Audit, AUDIT_ID)
    if audit is None:
        start = today + timedelta(days=14)
        audit = Audit(
            id=AUDIT_ID,
            organisation=org,
            audit_type=AuditType.STAGE2,
            start_date=start,
            end_date=start + timedelta(days=1),
            objectives=(
                "Evaluate the implementation and effectiveness of the quality management "
                "system, and decide whether to recommend initial certification."
            ),
            scope="Design, machining and assembly of precision pump components.",
            criteria="ISO 9001:2015 (+Amd 1:2024); the organisation's QMS documentation.",
            planned_days=Decimal("4.0"),
            sites=list(org.sites),
            team=_team(users),
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["iso9001-2015"])
    return audit


def delta_surveillance1(session: Session, users: dict[str, User], today: date) -> Audit:
    """Delta Installatietechniek: the first surveillance of an integrated QHSE system, at the
    head office, the Deventer depot (last year's finding) and the Apeldoorn depot."""
    org = ensure_client(session, DELTA)
    audit = session.get(Audit, INTEGRATED_AUDIT_ID)
    if audit is None:
        start = today + timedelta(days=28)
        sites = sites_by_key(DELTA, org)
        audit = Audit(
            id=INTEGRATED_AUDIT_ID,
            organisation=org,
            audit_type=AuditType.SURVEILLANCE,
            start_date=start,
            end_date=start + timedelta(days=1),
            objectives=(
                "Confirm that the integrated quality, environmental and OH&S management system "
                "continues to conform and to be effective; follow up last year's findings."
            ),
            scope=(
                "Design, installation and maintenance of heating, ventilation and air "
                "conditioning systems in utility buildings."
            ),
            criteria=(
                "ISO 9001:2015, ISO 14001:2015 and ISO 45001:2018 (each + Amd 1:2024); the "
                "organisation's integrated management system documentation."
            ),
            planned_days=Decimal("3.0"),
            sites=[sites["zwolle"], sites["deventer"], sites["apeldoorn"]],
            team=_team(users),
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["iso9001-2015", "iso14001-2015", "iso45001-2018"])
    return audit


def vandijk_vca(session: Session, users: dict[str, User], today: date) -> Audit:
    """Van Dijk Industrial Services: the VCA** certification audit (office and a project)."""
    org = ensure_client(session, VANDIJK)
    audit = session.get(Audit, VCA_AUDIT_ID)
    if audit is None:
        start = today + timedelta(days=42)
        audit = Audit(
            id=VCA_AUDIT_ID,
            organisation=org,
            audit_type=AuditType.STAGE2,
            start_date=start,
            end_date=start + timedelta(days=1),
            objectives=(
                "Assess the SHE management system against the VCA checklist at the VCA** level "
                "applied for: documents at the office, practice at a work location."
            ),
            scope="Scaffolding and industrial insulation, including work at petrochemical sites.",
            criteria="VCA 2017/6.0 at level VCA**; the company's SHE documentation.",
            planned_days=Decimal("2.0"),
            vca_level="star2",
            sites=list(org.sites),
            team=_team(users, with_bram=False),
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["vca-2017"])
    return audit
