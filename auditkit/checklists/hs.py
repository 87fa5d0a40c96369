"""Harmonized-structure (Annex SL) keys: the `hs` values a clause may carry.

The key names a clause by meaning, so that 7.2 of ISO 9001, 14001 and 45001 line up in an integrated
audit even where the numbers differ (continual improvement is 10.3 in ISO 9001:2015 and 10.1 in
ISO/IEC 27001:2022). This table mirrors the one in `checklists/README.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class HsKey:
    """One harmonized-structure clause and its usual numbers in both structures."""

    key: str
    hls_number: str | None  # ISO 9001 / 14001 / 45001 (2015 high-level structure)
    hs2021_number: str | None  # ISO/IEC 27001:2022 (2021 harmonized structure)

    @property
    def parent(self) -> str | None:
        """The key of the enclosing clause (`support` for `support.competence`), or None."""
        head, dot, _ = self.key.rpartition(".")
        return head if dot else None


_TABLE: tuple[tuple[str, str | None, str | None], ...] = (
    ("context", "4", "4"),
    ("context.organization", "4.1", "4.1"),
    ("context.interested-parties", "4.2", "4.2"),
    ("context.scope", "4.3", "4.3"),
    ("context.system", "4.4", "4.4"),
    ("leadership", "5", "5"),
    ("leadership.commitment", "5.1", "5.1"),
    ("leadership.policy", "5.2", "5.2"),
    ("leadership.roles", "5.3", "5.3"),
    ("planning", "6", "6"),
    ("planning.risks-opportunities", "6.1", "6.1"),
    ("planning.objectives", "6.2", "6.2"),
    ("planning.changes", "6.3", "6.3"),  # ISO 9001 only among the 2015 family
    ("support", "7", "7"),
    ("support.resources", "7.1", "7.1"),
    ("support.competence", "7.2", "7.2"),
    ("support.awareness", "7.3", "7.3"),
    ("support.communication", "7.4", "7.4"),
    ("support.communication.general", "7.4.1", None),  # ISO 14001 and 45001
    ("support.communication.internal", "7.4.2", None),  # ISO 14001 and 45001
    ("support.communication.external", "7.4.3", None),  # ISO 14001 and 45001
    ("support.documented-information", "7.5", "7.5"),
    ("support.documented-information.general", "7.5.1", "7.5.1"),
    ("support.documented-information.creating", "7.5.2", "7.5.2"),
    ("support.documented-information.control", "7.5.3", "7.5.3"),
    ("operation", "8", "8"),
    ("operation.planning-control", "8.1", "8.1"),
    ("operation.emergency", "8.2", None),  # ISO 14001 and 45001; ISO 9001 8.2 is something else
    ("performance", "9", "9"),
    ("performance.monitoring", "9.1", "9.1"),
    ("performance.monitoring.general", "9.1.1", None),
    ("performance.monitoring.compliance", "9.1.2", None),  # ISO 14001 and 45001, not ISO 9001
    ("performance.internal-audit", "9.2", "9.2"),
    ("performance.internal-audit.general", "9.2.1", "9.2.1"),
    ("performance.internal-audit.programme", "9.2.2", "9.2.2"),
    ("performance.management-review", "9.3", "9.3"),
    ("performance.management-review.general", "9.3.1", "9.3.1"),  # ISO 9001 among the 2015 family
    ("performance.management-review.inputs", "9.3.2", "9.3.2"),
    ("performance.management-review.outputs", "9.3.3", "9.3.3"),  # "results" in ISO/IEC 27001
    ("improvement", "10", "10"),
    ("improvement.general", "10.1", None),
    ("improvement.nonconformity", "10.2", "10.2"),
    ("improvement.continual", "10.3", "10.1"),
)

HS_KEYS: Mapping[str, HsKey] = MappingProxyType(
    {key: HsKey(key, hls, hs2021) for key, hls, hs2021 in _TABLE}
)


def is_known(key: str) -> bool:
    """True when `key` is a harmonized-structure key of the table."""
    return key in HS_KEYS
