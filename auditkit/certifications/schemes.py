"""The standards and schemes the CB certifies to, and what each one asks of a certification.

A scheme is named as its checklist is (`iso9001-2015`), so that planning an audit for a
certification pins the right checklist. What differs per scheme lives here, once: which
audit-time table applies and whether it needs a complexity category, whether exclusions
(ISO 9001) or a Statement of Applicability (ISO/IEC 27001) are kept, and the VCA levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Scheme:
    id: str
    standard: str  # as on the certificate and in the checklist file
    edition: str
    title: str  # what a planner picks from
    complexities: tuple[str, ...] = ()  # the categories its audit-time table has, if any
    exclusions: bool = False  # ISO 9001 may exclude a requirement, with a justification
    statement_of_applicability: bool = False
    isms_factors: bool = False
    vca_levels: tuple[str, ...] = ()

    @property
    def checklist_id(self) -> str:
        return self.id

    @property
    def label(self) -> str:
        return f"{self.standard}:{self.edition}"


VCA_LEVELS = {
    "star1": "VCA*",
    "star2": "VCA**",
    "petro": "VCA Petrochemical",
}

SCHEMES: dict[str, Scheme] = {
    s.id: s
    for s in (
        Scheme("iso9001-2015", "ISO 9001", "2015", "ISO 9001:2015 quality", exclusions=True),
        Scheme(
            "iso14001-2015",
            "ISO 14001",
            "2015",
            "ISO 14001:2015 environment",
            complexities=("high", "medium", "low", "limited"),
        ),
        Scheme(
            "iso45001-2018",
            "ISO 45001",
            "2018",
            "ISO 45001:2018 occupational health and safety",
            complexities=("high", "medium", "low"),
        ),
        Scheme(
            "iso27001-2022",
            "ISO/IEC 27001",
            "2022",
            "ISO/IEC 27001:2022 information security",
            statement_of_applicability=True,
            isms_factors=True,
        ),
        Scheme(
            "vca-2017",
            "VCA",
            "2017/6.0",
            "VCA 2017/6.0 safety, health and environment checklist for contractors",
            vca_levels=tuple(VCA_LEVELS),
        ),
    )
}

# ISMS complexity (ISO/IEC 27006-1 annex): each factor is rated and moves the audit time.
# The factor names are ours; a planner rates each low, medium or high.
ISMS_FACTORS: dict[str, str] = {
    "business": "Kind of business and the regulation it is under",
    "processes": "Processes and tasks in the scope",
    "maturity": "How established the management system is",
    "it_infrastructure": "IT infrastructure: sites, networks, platforms",
    "outsourcing": "Reliance on outsourcing and suppliers, cloud included",
    "development": "Information systems developed in-house",
}
FACTOR_LEVELS = ("low", "medium", "high")


class UnknownScheme(ValueError):
    pass


def scheme(scheme_id: str) -> Scheme:
    try:
        return SCHEMES[scheme_id]
    except KeyError:
        raise UnknownScheme(f"There is no scheme called {scheme_id!r}.") from None


def display_name(scheme_id: str, vca_level: str | None = None) -> str:
    """ "ISO 9001:2015", or "VCA** 2017/6.0" for a VCA certification at its level."""
    found = SCHEMES.get(scheme_id)
    if found is None:
        return scheme_id
    if found.vca_levels and vca_level in VCA_LEVELS:
        return f"{VCA_LEVELS[vca_level]} {found.edition}"
    return found.label


def state_label(certification: Any, today: date) -> str:
    """Where a certification stands, in a few words, from its own record and cycles."""
    if certification.withdrawn_at is not None:
        return "application withdrawn"
    if certification.cycles:
        cycle = certification.cycles[-1]
        if cycle.expiry_date >= today:
            return f"certified until {cycle.expiry_date.isoformat()}"
        return f"expired on {cycle.expiry_date.isoformat()}"
    if certification.reviewed_at is not None:
        return "application reviewed"
    return "application received"
