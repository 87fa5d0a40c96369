"""Which clauses an audit covers (no Flask). Initial, recertification, special and follow-up
audits cover the whole of each pinned checklist; a surveillance covers a sample, so that
over the cycle's surveillances every clause is audited once (ISO/IEC 17021-1 9.6.2).

Every surveillance covers what DOMAIN.md 1.3 says each must: internal audit, management
review, nonconformity and corrective action, continual improvement, objectives and changes
(found by their harmonized-structure keys, so one rule serves every ISO standard). The other
clauses are shared out over the surveillances left in the cycle: those not yet covered in
it come first, in checklist order. VCA interim audits keep the whole checklist.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from auditkit.certifications.overview import policy_for
from auditkit.checklists import Checklist
from auditkit.models import Audit, AuditType, Certification
from auditkit.planning.pinning import pinned_checklists

EVERY_SURVEILLANCE = (
    "performance.internal-audit",
    "performance.management-review",
    "improvement.nonconformity",
    "improvement.continual",
    "planning.objectives",
    "planning.changes",
)


def _units(checklist: Checklist) -> list[Any]:
    """The clauses a sample is made of: in each branch the first auditable clause from the
    top (7.2, or 9.3.1 where 9.3 only groups its paragraphs)."""
    found: list[Any] = []

    def walk(clauses: Iterable[Any]) -> None:
        for clause in clauses:
            if clause.auditable:
                found.append(clause)
            else:
                walk(clause.children)

    walk(checklist.clauses)
    return found


def _mandatory(clause: Any) -> bool:
    return bool(clause.hs) and any(clause.hs.startswith(key) for key in EVERY_SURVEILLANCE)


def clause_sample(
    checklists: Sequence[Checklist],
    kind: AuditType,
    *,
    covered_before: Iterable[str] = (),
    surveillances_left: int = 1,
) -> dict[str, Any]:
    """{"keys": ["iso9001-2015:7.2", ...] or [] for the whole checklist, "working": [...]}."""
    if kind != AuditType.SURVEILLANCE:
        return {"whole": True, "keys": [], "working": ["the whole of each checklist"]}
    covered = set(covered_before)
    keys: list[str] = []
    working: list[str] = []
    left = max(1, surveillances_left)
    for checklist in checklists:
        if checklist.is_vca:
            working.append(f"{checklist.id}: the whole checklist at every interim audit")
            keys += [f"{checklist.id}:{c.number}" for c in _units(checklist)]
            continue
        units = _units(checklist)
        always = [c for c in units if _mandatory(c)]
        others = [c for c in units if not _mandatory(c)]
        fresh = [c for c in others if f"{checklist.id}:{c.number}" not in covered]
        share = fresh if left == 1 else fresh[: math.ceil(len(fresh) / left)]
        picked = {c.number for c in always} | {c.number for c in share}
        keys += [f"{checklist.id}:{c.number}" for c in units if c.number in picked]
        working.append(
            f"{checklist.id}: every surveillance covers "
            + ", ".join(c.number for c in always)
            + f"; of the {len(others)} other clauses {len(others) - len(fresh)} were covered "
            f"earlier in the cycle, and {len(share)} of the {len(fresh)} left go to this audit "
            f"({left} surveillance(s) left in the cycle)"
        )
    return {"whole": False, "keys": keys, "working": working}


def clauses_to_cover(audit: Audit, certifications: Sequence[Certification]) -> dict[str, Any]:
    """The clause sample of this audit, given the surveillances before it in the cycle."""
    earlier = [
        a
        for cert in certifications
        for a in cert.audits
        if a.id != audit.id
        and a.audit_type == AuditType.SURVEILLANCE
        and cert.cycles
        and cert.cycles[-1].start_date <= a.start_date <= audit.start_date
    ]
    covered = {k for a in earlier for k in a.plan_working.get("clauses", {}).get("keys", [])}
    per_cycle = max((policy_for(c).cycle_years - 1 for c in certifications if c.cycles), default=1)
    return clause_sample(
        pinned_checklists(audit),
        audit.audit_type,
        covered_before=covered,
        surveillances_left=per_cycle - len({a.id for a in earlier}),
    )
