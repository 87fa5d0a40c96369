"""The demo's fixed ids and users, and how rows made by the domain functions get a fixed id.

Every demo row has a uuid5 id (`demo_id`), so seeding again finds it and leaves it alone, and
a laptop that pulled an audit keeps it across re-seeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from auditkit.models import Role

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

# The clients.
ORGANISATION_ID = demo_id("org:brightwater")  # Brightwater Components: ISO 9001, one site
DELTA_ID = demo_id("org:delta")  # integrated 9001 + 14001 + 45001, 12 sites
VANDIJK_ID = demo_id("org:vandijk")  # VCA**, and an ISO 45001 application
LUMEN_ID = demo_id("org:lumen")  # ISO/IEC 27001
COATINGS_ID = demo_id("org:brightwater-coatings")  # ISO 9001, surveillance 1 overdue

# The audits: the first three predate certifications and keep their ids for the laptops.
AUDIT_ID = demo_id("audit:brightwater:stage2")
INTEGRATED_AUDIT_ID = demo_id("audit:delta:surveillance1")
VCA_AUDIT_ID = demo_id("audit:vandijk:vca")
BRIGHTWATER_STAGE1_ID = demo_id("audit:brightwater:stage1")
VCA_PHASE1_ID = demo_id("audit:vandijk:phase1")
DELTA_SURVEILLANCE2_ID = demo_id("audit:delta:surveillance2")
LUMEN_STAGE1_ID = demo_id("audit:lumen:stage1")
NOORDZEE_STAGE1_ID = demo_id("audit:noordzee:stage1")
NOORDZEE_STAGE2_ID = demo_id("audit:noordzee:stage2")  # accepted: the grant waits
NEW_AUDIT_IDS = (
    BRIGHTWATER_STAGE1_ID,
    VCA_PHASE1_ID,
    DELTA_SURVEILLANCE2_ID,
    LUMEN_STAGE1_ID,
    NOORDZEE_STAGE1_ID,
    NOORDZEE_STAGE2_ID,
)

# The seed of the Delta surveillance 2 sample's random draw: the same seed, the same sites.
DELTA_SAMPLE_SEED = 20260611


def certification_id(client: str, scheme: str) -> uuid.UUID:
    return demo_id(f"certification:{client}:{scheme}")


def user_id(username: str) -> uuid.UUID:
    return demo_id(f"user:{username}")


def monday(day: date) -> date:
    """The Monday on or after `day`: the demo's new audits start on a Monday and end within the
    week."""
    return day + timedelta(days=(7 - day.weekday()) % 7)


@contextmanager
def fixed_id(session: Session, model: type, row_id: uuid.UUID) -> Iterator[None]:
    """Give the one new `model` row that a domain function adds (plan_audit,
    create_certification, save_qualification make their own uuid4) the fixed demo id.

    The id is set just before the row is first flushed, so the domain function runs as it
    does for a planner and everything it writes (team, checklists, events) names this id.
    """
    assigned: list[object] = []

    def assign(sess: Session, _context: object, _instances: object) -> None:
        for obj in sess.new:
            if type(obj) is model and getattr(obj, "id", None) is None:
                if assigned:
                    raise RuntimeError(f"more than one new {model.__name__} in a fixed_id block")
                obj.id = row_id  # type: ignore[attr-defined]
                assigned.append(obj)

    event.listen(session, "before_flush", assign)
    try:
        yield
    finally:
        event.remove(session, "before_flush", assign)
    if not assigned:
        raise RuntimeError(f"no new {model.__name__} was flushed in a fixed_id block")
