"""Demo data: a CB with staff and two auditors, and three clients with a planned audit each:
an ISO 9001 stage 2, an integrated ISO 9001 + 14001 + 45001 surveillance, and a VCA** audit.

Seeding is idempotent: fixed ids, created only when missing. The demo laptop gets the
audit the way every laptop does: `auditkit demo` enrols it for the first auditor and pulls.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from auditkit.models import (
    Audit,
    AuditTeamMember,
    AuditType,
    Contact,
    LaptopIdentity,
    Organisation,
    Role,
    Site,
    TeamRole,
    User,
    UserRole,
)
from auditkit.planning import pin_checklists

NAMESPACE = uuid.UUID("6f1c7a52-4c1e-4a51-9a57-0d5c3b1e2a10")
DEMO_PASSWORD = "auditkit-demo"


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[Role, ...]


DEMO_USERS = (
    DemoUser("admin", "Clara Admin", (Role.ADMIN,)),
    DemoUser("planner", "Pieter Planner", (Role.PLANNER,)),
    DemoUser("reviewer", "Rosa Reviewer", (Role.REVIEWER,)),
    DemoUser("decider", "Daan Decider", (Role.DECISION_MAKER,)),
    DemoUser("auditor1", "Anna de Vries", (Role.AUDITOR,)),
    DemoUser("auditor2", "Bram Jansen", (Role.AUDITOR,)),
)
AUDIT_ID = demo_id("audit:brightwater:stage2")
ORGANISATION_ID = demo_id("org:brightwater")
INTEGRATED_AUDIT_ID = demo_id("audit:delta:surveillance1")
VCA_AUDIT_ID = demo_id("audit:vandijk:vca")


def seed_server(session: Session, today: date | None = None) -> Audit:
    """Create the demo users, client and audit where missing; return the audit."""
    users = {u.username: _user(session, u) for u in DEMO_USERS}
    org = session.get(Organisation, ORGANISATION_ID) or _organisation(session)
    audit = session.get(Audit, AUDIT_ID)
    if audit is None:
        start = (today or date.today()) + timedelta(days=14)
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
            team=[
                AuditTeamMember(user=users["auditor1"], role=TeamRole.LEAD),
                AuditTeamMember(user=users["auditor2"], role=TeamRole.AUDITOR),
            ],
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["iso9001-2015"])
    start = (today or date.today()) + timedelta(days=14)
    _integrated_audit(session, users, start + timedelta(days=14))
    _vca_audit(session, users, start + timedelta(days=28))
    return audit


def _integrated_audit(session: Session, users: dict[str, User], start: date) -> Audit:
    """Delta Installatietechniek: the first surveillance of an integrated QHSE system."""
    audit = session.get(Audit, INTEGRATED_AUDIT_ID)
    if audit is None:
        org = _client(
            session,
            "delta",
            "Delta Installatietechniek",
            "Delta Installatietechniek B.V.",
            ("Industrieweg 40", "Zwolle"),
            [
                (
                    "zwolle",
                    "Zwolle head office and workshop",
                    "Industrieweg 40",
                    "Zwolle",
                    "Design, prefabrication and project management of HVAC installations.",
                    True,
                ),
                (
                    "deventer",
                    "Deventer service depot",
                    "Zutphenseweg 3",
                    "Deventer",
                    "Maintenance and emergency service of installations at customers' sites.",
                    False,
                ),
            ],
            ("Marloes Visser", "QHSE coordinator", "marloes.visser@delta.example"),
            personnel=85,
        )
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
            sites=list(org.sites),
            team=[
                AuditTeamMember(user=users["auditor1"], role=TeamRole.LEAD),
                AuditTeamMember(user=users["auditor2"], role=TeamRole.AUDITOR),
            ],
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["iso9001-2015", "iso14001-2015", "iso45001-2018"])
    return audit


def _vca_audit(session: Session, users: dict[str, User], start: date) -> Audit:
    """Van Dijk Industrial Services: a VCA** certification audit (office and two projects)."""
    audit = session.get(Audit, VCA_AUDIT_ID)
    if audit is None:
        org = _client(
            session,
            "vandijk",
            "Van Dijk Industrial Services",
            "Van Dijk Industrial Services B.V.",
            ("Havenstraat 88", "Rotterdam"),
            [
                (
                    "rotterdam",
                    "Rotterdam office and yard",
                    "Havenstraat 88",
                    "Rotterdam",
                    "Planning, yard and equipment store for scaffolding and insulation work.",
                    True,
                ),
                (
                    "botlek",
                    "Project: Botlek tank terminal",
                    "Theemsweg 20",
                    "Rotterdam",
                    "Scaffolding and insulation during a tank maintenance stop.",
                    False,
                ),
            ],
            ("Kees van Dijk", "Managing director", "kees@vandijk.example"),
            personnel=34,
        )
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
            team=[AuditTeamMember(user=users["auditor1"], role=TeamRole.LEAD)],
        )
        session.add(audit)
        session.flush()
    pin_checklists(session, audit, ["vca-2017"])
    return audit


def _client(session, key, name, legal_name, address, sites, contact, *, personnel):  # type: ignore[no-untyped-def]
    org = session.get(Organisation, demo_id(f"org:{key}"))
    if org is not None:
        return org
    org = Organisation(
        id=demo_id(f"org:{key}"),
        name=name,
        legal_name=legal_name,
        address=address[0],
        city=address[1],
        country="NL",
        effective_personnel=personnel,
        sites=[
            Site(
                id=demo_id(f"site:{key}:{site_key}"),
                name=site_name,
                address=street,
                city=city,
                country="NL",
                activities=activities,
                is_headquarters=headquarters,
            )
            for site_key, site_name, street, city, activities, headquarters in sites
        ],
        contacts=[
            Contact(
                id=demo_id(f"contact:{key}"),
                name=contact[0],
                job_title=contact[1],
                email=contact[2],
                is_management_representative=True,
            )
        ],
    )
    session.add(org)
    return org


def _user(session: Session, demo: DemoUser) -> User:
    user = session.get(User, demo_id(f"user:{demo.username}"))
    if user is None:
        user = User(
            id=demo_id(f"user:{demo.username}"),
            username=demo.username,
            full_name=demo.full_name,
            email=f"{demo.username}@cb.example",
            password_hash=generate_password_hash(DEMO_PASSWORD),
            roles=[UserRole(role=r) for r in demo.roles],
        )
        session.add(user)
    return user


def _organisation(session: Session) -> Organisation:
    org = Organisation(
        id=ORGANISATION_ID,
        name="Brightwater Components",
        legal_name="Brightwater Components B.V.",
        address="Kanaaldijk 12",
        city="Eindhoven",
        country="NL",
        effective_personnel=48,
        sites=[
            Site(
                id=demo_id("site:eindhoven"),
                name="Eindhoven head office and plant",
                address="Kanaaldijk 12",
                city="Eindhoven",
                country="NL",
                activities="Design, machining and assembly of pump components.",
                is_headquarters=True,
            ),
            Site(
                id=demo_id("site:tilburg"),
                name="Tilburg warehouse",
                address="Havenweg 7",
                city="Tilburg",
                country="NL",
                activities="Storage and dispatch of finished components.",
            ),
        ],
        contacts=[
            Contact(
                id=demo_id("contact:brightwater:qm"),
                name="Eva Bakker",
                job_title="Quality manager",
                email="eva.bakker@brightwater.example",
                is_management_representative=True,
            )
        ],
    )
    session.add(org)
    return org


def laptop_identity(session: Session) -> LaptopIdentity | None:
    return session.scalars(select(LaptopIdentity)).first()
