"""The demo's auditor qualifications and client certifications, made through the domain
functions a planner's form calls (save_qualification, create_certification,
record_application_review), each only where missing.

The programmes come out in different states: Brightwater in its initial audit (stage 1 held,
stage 2 planned), Delta certified ten months ago (surveillance 1 planned, surveillance 2
planned ahead), Brightwater Coatings certified fourteen months ago with no surveillance held
(overdue), Van Dijk's VCA** in its certification audit and its ISO 45001 only applied for,
Lumen's ISO/IEC 27001 reviewed with its stage 1 planned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from auditkit.auditors import save_qualification
from auditkit.certifications import REVIEW_CHECKS, create_certification, record_application_review
from auditkit.demo.clients import (
    BRIGHTWATER,
    COATINGS,
    DELTA,
    HARBOUR,
    LUMEN,
    NOORDZEE,
    VANDIJK,
    DemoClient,
    ensure_client,
    sites_by_key,
)
from auditkit.demo.ids import certification_id, demo_id, fixed_id
from auditkit.models import AuditorQualification, Certification, CertificationCycle, User
from auditkit.planning.cycle_policy import add_months
from auditkit.unit_of_work import ServerWork

# (username, scheme, may lead, IAF sector codes, qualified on). Anna leads every scheme in
# the sectors of the demo clients; Bram audits the three ISO management systems in fewer.
QUALIFICATIONS = (
    ("auditor1", "iso9001-2015", True, "9, 17, 18, 28, 33, 34", "2018-09-03"),
    ("auditor1", "iso14001-2015", True, "17, 28, 31, 34", "2019-05-13"),
    ("auditor1", "iso45001-2018", True, "17, 28, 34", "2019-11-25"),
    ("auditor1", "iso27001-2022", True, "33", "2021-02-15"),
    ("auditor1", "vca-2017", True, "28", "2017-06-01"),
    ("auditor2", "iso9001-2015", False, "17, 18, 28", "2023-03-06"),
    ("auditor2", "iso14001-2015", False, "28", "2023-10-02"),
    ("auditor2", "iso45001-2018", False, "28", "2024-04-22"),
)


def ensure_qualifications(work: ServerWork, users: dict[str, User]) -> None:
    for username, scheme, may_lead, sectors, since in QUALIFICATIONS:
        row_id = demo_id(f"qualification:{username}:{scheme}")
        if work.session.get(AuditorQualification, row_id) is not None:
            continue
        with fixed_id(work.session, AuditorQualification, row_id):
            save_qualification(
                work,
                users[username],
                {
                    "scheme": scheme,
                    "may_lead": "1" if may_lead else "",
                    "sector_codes": sectors,
                    "qualified_on": since,
                    "status": "active",
                    "note": "Witnessed audit and exam passed." if may_lead else "Auditor.",
                },
            )


@dataclass(frozen=True)
class DemoCertification:
    """One certification as a planner enters it on the form (`values`, as text)."""

    client: DemoClient
    values: dict[str, str]
    sites: tuple[str, ...]  # site keys in scope
    reviewed_days_ago: int | None  # None: the application is not reviewed yet
    review_notes: str = ""
    cycle_months_ago: int | None = None  # a cycle started this many months ago

    @property
    def id(self) -> uuid.UUID:
        return certification_id(self.client.key, self.values["scheme"])


def ensure_certification(
    work: ServerWork, spec: DemoCertification, reviewer: User, today: date
) -> Certification:
    """The certification with its review and cycle; nothing that exists is changed."""
    session = work.session
    row = session.get(Certification, spec.id)
    if row is None:
        org = ensure_client(session, spec.client)
        sites = sites_by_key(spec.client, org)
        with fixed_id(session, Certification, spec.id):
            row = create_certification(
                work, org, spec.values, [str(sites[key].id) for key in spec.sites]
            )
        if spec.reviewed_days_ago is not None:
            record_application_review(work, row, reviewer, list(REVIEW_CHECKS), spec.review_notes)
            # Reviewed before the audits that followed it; the audit log keeps the real moment.
            reviewed_on = today - timedelta(days=spec.reviewed_days_ago)
            row.reviewed_at = datetime.combine(reviewed_on, time(10, 0), tzinfo=UTC)
    if spec.cycle_months_ago is not None and not row.cycles:
        start = add_months(today, -spec.cycle_months_ago)
        row.cycles.append(
            CertificationCycle(
                id=demo_id(f"cycle:{spec.client.key}:{spec.values['scheme']}:1"),
                start_date=start,
                expiry_date=add_months(start, 36) - timedelta(days=1),
            )
        )
        work.event(
            "certification.cycle",
            entity="certification",
            entity_id=str(row.id),
            detail={"start": start.isoformat(), "origin": "decision", "source": "demo"},
        )
    session.flush()
    return row


def personnel(
    full_time: int, part_time: str = "", temporary: int = 0, contractors: int = 0
) -> dict[str, str]:
    """The personnel fields of the form: part time as "people x hours a week, ..."."""
    return {
        "full_time": str(full_time),
        "part_time": part_time,
        "week_hours": "40",
        "temporary": str(temporary),
        "contractors": str(contractors),
    }


DELTA_SCOPE = (
    "Design, installation and maintenance of heating, ventilation and air conditioning "
    "systems in utility buildings, from the Zwolle head office and eleven service depots."
)
DELTA_REVIEW = (
    "Multi-site under IAF MD 1: the depots work to the head office's procedures, internal "
    "audits and management review cover every depot, so sampling applies."
)
DELTA_SCHEMES = ("iso9001-2015", "iso14001-2015", "iso45001-2018")


def _delta(scheme: str, **extra: str) -> DemoCertification:
    return DemoCertification(
        DELTA,
        {
            "scheme": scheme,
            "scope": DELTA_SCOPE,
            "sector_codes": "28, 34",
            "nace_codes": "43.22, 71.12",
            **personnel(64, "10 x 24, 6 x 16", temporary=5, contractors=7),
            **extra,
        },
        tuple(s.key for s in DELTA.sites),
        reviewed_days_ago=400,
        review_notes=DELTA_REVIEW,
        cycle_months_ago=10,
    )


CERTIFICATIONS = (
    DemoCertification(
        BRIGHTWATER,
        {
            "scheme": "iso9001-2015",
            "scope": "Design, machining and assembly of precision pump components.",
            "sector_codes": "17, 18",
            "nace_codes": "28.13, 25.62",
            **personnel(38, "8 x 20, 4 x 24", temporary=3),
            "exclusions": "",
        },
        ("eindhoven",),
        reviewed_days_ago=70,
        review_notes=(
            "One site in scope: the Tilburg warehouse only stores and ships finished goods for "
            "the plant and is left out of the scope; the stage 2 looks at it once to confirm "
            "that boundary."
        ),
    ),
    _delta("iso9001-2015"),
    _delta("iso14001-2015", complexity="high"),
    _delta("iso45001-2018", complexity="high"),
    DemoCertification(
        VANDIJK,
        {
            "scheme": "vca-2017",
            "vca_level": "star2",
            "scope": "Scaffolding and industrial insulation, including work at petrochemical "
            "sites.",
            "sector_codes": "28",
            "nace_codes": "43.99, 43.29",
            **personnel(26, "4 x 20", temporary=2, contractors=4),
        },
        ("rotterdam", "botlek"),
        reviewed_days_ago=60,
        review_notes="VCA** rather than VCA*: the company works as a main contractor and hires "
        "subcontractors. Project sites change; the audit visits one in progress.",
    ),
    DemoCertification(
        VANDIJK,
        {
            "scheme": "iso45001-2018",
            "complexity": "high",
            "scope": "Scaffolding and industrial insulation, including work at petrochemical "
            "sites.",
            "sector_codes": "28",
            "nace_codes": "43.99, 43.29",
            **personnel(26, "4 x 20", temporary=2, contractors=4),
        },
        ("rotterdam", "botlek"),
        reviewed_days_ago=None,  # received, not reviewed yet: the planner's next step
    ),
    DemoCertification(
        LUMEN,
        {
            "scheme": "iso27001-2022",
            "scope": "The information security management system for developing, hosting and "
            "supporting the Lumen patient portal, per SoA v1.3.",
            "sector_codes": "33",
            "nace_codes": "62.01, 63.11",
            **personnel(24, "6 x 24", contractors=2),
            "soa_version": "SoA v1.3",
            "factor_business": "high",
            "factor_processes": "medium",
            "factor_maturity": "low",
            "factor_it_infrastructure": "medium",
            "factor_outsourcing": "high",
            "factor_development": "high",
        },
        ("utrecht",),
        reviewed_days_ago=20,
        review_notes="Health data under the GDPR and NEN 7510: business complexity high. "
        "Hosting is outsourced to a colocation supplier: its controls are looked at in stage 1.",
    ),
    DemoCertification(
        COATINGS,
        {
            "scheme": "iso9001-2015",
            "scope": "Pre-treatment and powder coating of metal parts.",
            "sector_codes": "17",
            "nace_codes": "25.61",
            **personnel(14, "3 x 20"),
            "exclusions": "8.3: the plant coats to its customers' specifications and designs "
            "nothing.",
        },
        ("eindhoven",),
        reviewed_days_ago=480,
        cycle_months_ago=14,
    ),
    DemoCertification(
        HARBOUR,
        {
            "scheme": "iso14001-2015",
            "complexity": "medium",
            "scope": "Storage, cross-docking and road transport of packaged goods.",
            "sector_codes": "31",
            "nace_codes": "52.10, 49.41",
            **personnel(55),
        },
        ("waalhaven",),
        reviewed_days_ago=1200,
        cycle_months_ago=38,  # expired two months ago: no recertification was held
    ),
    DemoCertification(
        NOORDZEE,
        {
            "scheme": "iso9001-2015",
            "scope": "Design and printing of corrugated packaging for food producers.",
            "sector_codes": "9",
            "nace_codes": "17.21",
            **personnel(30, "4 x 20"),
            "exclusions": "",
        },
        ("alkmaar",),
        reviewed_days_ago=90,
    ),
)
