"""Demo data: a CB with staff and two auditors, one client, one planned ISO 9001 stage 2 audit.

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
    return audit


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
