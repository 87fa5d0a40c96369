"""Demo data: a CB with staff and two auditors, five clients with their certifications, and
the audits a planner walks through.

- Brightwater Components: ISO 9001, one site in scope; stage 1 held, stage 2 planned.
- Delta Installatietechniek: integrated ISO 9001 + 14001 + 45001 on 12 sites, certified ten
  months ago; surveillance 1 planned, surveillance 2 planned ahead with an MD 1 sample.
- Van Dijk Industrial Services: VCA** (phase 1 held, phase 2 planned); ISO 45001 applied for,
  not reviewed yet.
- Lumen Data Services: ISO/IEC 27001, stage 1 planned.
- Brightwater Coatings: ISO 9001 certified fourteen months ago, surveillance 1 overdue, so
  its certificate is suspended.
- Harbour Logistics: ISO 14001, its certificate expired two months ago.
- Noordzee Packaging: ISO 9001 stage 1 and 2 accepted; the grant waits for the decision maker.
Delta's three certificates are valid (auditkit.demo.certified).

Anna de Vries (auditor1) leads every audit; Bram Jansen (auditor2) audits some of them.
Seeding is idempotent: fixed ids (auditkit.demo.ids), created only when missing, so a second
run changes nothing and a laptop keeps the audits it pulled. The demo laptop gets the audits
the way every laptop does: `auditkit demo` enrols it for Anna and pulls.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.certificates.settings import certificate_settings
from auditkit.certifications.overview import refresh_next_due
from auditkit.demo import certifications as certs
from auditkit.demo import certified, first_audits, planned
from auditkit.demo.clients import BRIGHTWATER, CLIENTS, ensure_client, ensure_portal_account
from auditkit.demo.ids import (
    AUDIT_ID,
    BRIGHTWATER_STAGE1_ID,
    COATINGS_ID,
    DELTA_ID,
    DELTA_SAMPLE_SEED,
    DELTA_SURVEILLANCE2_ID,
    DEMO_PASSWORD,
    DEMO_USERS,
    INTEGRATED_AUDIT_ID,
    LUMEN_ID,
    LUMEN_STAGE1_ID,
    NAMESPACE,
    NEW_AUDIT_IDS,
    ORGANISATION_ID,
    VANDIJK_ID,
    VCA_AUDIT_ID,
    VCA_PHASE1_ID,
    DemoUser,
    certification_id,
    demo_id,
)
from auditkit.models import Audit, LaptopIdentity
from auditkit.unit_of_work import Actor, ServerWork

__all__ = [
    "AUDIT_ID",
    "BRIGHTWATER_STAGE1_ID",
    "COATINGS_ID",
    "DELTA_ID",
    "DELTA_SAMPLE_SEED",
    "DELTA_SURVEILLANCE2_ID",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "INTEGRATED_AUDIT_ID",
    "LUMEN_ID",
    "LUMEN_STAGE1_ID",
    "NAMESPACE",
    "NEW_AUDIT_IDS",
    "ORGANISATION_ID",
    "VANDIJK_ID",
    "VCA_AUDIT_ID",
    "VCA_PHASE1_ID",
    "DemoUser",
    "certification_id",
    "demo_id",
    "laptop_identity",
    "seed_server",
]


def seed_server(session: Session, today: date | None = None) -> Audit:
    """Create whatever demo data is missing; return the Brightwater stage 2 audit."""
    today = today or date.today()
    users = {u.username: first_audits.ensure_user(session, u) for u in DEMO_USERS}
    session.flush()
    stage2 = first_audits.brightwater_stage2(session, users, today)
    surveillance1 = first_audits.delta_surveillance1(session, users, today)
    vca = first_audits.vandijk_vca(session, users, today)
    for client in CLIENTS:
        ensure_client(session, client)

    work = ServerWork(session, Actor.system("demo"))
    certs.ensure_qualifications(work, users)
    made = {
        spec.id: certs.ensure_certification(work, spec, users["planner"], today)
        for spec in certs.CERTIFICATIONS
    }
    brightwater = made[certification_id("brightwater", "iso9001-2015")]
    delta = [made[certification_id("delta", s)] for s in certs.DELTA_SCHEMES]
    vca_cert = made[certification_id("vandijk", "vca-2017")]
    planned.link(work, stage2, [brightwater])
    planned.link(work, surveillance1, delta)
    planned.link(work, vca, [vca_cert])

    planned.brightwater_stage1(work, brightwater, users, today)
    planned.vandijk_phase1(work, vca_cert, users, today)
    planned.delta_surveillance2(work, delta, users)
    lumen = made[certification_id("lumen", "iso27001-2022")]
    planned.lumen_stage1(work, lumen, users, today)
    settings = certified.demo_settings(certificate_settings())
    decider = users["decider"]
    for key in ("delta", "brightwater-coatings", "harbour"):
        for row in made.values():
            if row.organisation_id == demo_id(f"org:{key}"):
                certified.grant_held(work, row, decider, settings)
    coatings = made[certification_id("brightwater-coatings", "iso9001-2015")]
    certified.suspend_overdue(work, coatings, decider, today)
    certified.noordzee_waiting(
        work, made[certification_id("noordzee", "iso9001-2015")], users, today
    )
    for row in made.values():  # the CB-wide programme reads each one's next audit
        refresh_next_due(row, today)
    session.flush()
    ensure_portal_account(session, BRIGHTWATER, DEMO_PASSWORD)
    session.flush()
    return stage2


def laptop_identity(session: Session) -> LaptopIdentity | None:
    return session.scalars(select(LaptopIdentity)).first()
