"""The sites an audit visits (no Flask): every site in scope of its certifications, or a
multi-site sample under IAF MD 1 around the central function, drawn and recorded so that the
draw can be repeated (auditkit.planning.sampling)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from auditkit.field_errors import FieldError
from auditkit.models import AuditType, Certification
from auditkit.planning.sampling import draw_sample, sample_size
from auditkit.planning.time_tables import PlanningError

# A stage 1 visits the sites the planner chooses (often the central function alone): the
# MD 1 sample applies from stage 2 on.
SAMPLE_KIND = {
    AuditType.STAGE2: "initial",
    AuditType.SURVEILLANCE: "surveillance",
    AuditType.RECERTIFICATION: "recertification",
}


class SiteChoiceError(FieldError):
    """The sites chosen cannot make this audit's visit; the form field is `sites`."""


def sites_in_scope(certifications: Sequence[Certification]) -> list[Any]:
    seen: dict[uuid.UUID, Any] = {}
    for cert in certifications:
        for site in cert.sites:
            seen.setdefault(site.id, site)
    return sorted(seen.values(), key=lambda s: (not s.is_headquarters, s.name))


def choose_sites(
    certifications: Sequence[Certification],
    kind: AuditType,
    chosen_ids: Sequence[str],
    seed: int | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """The sites to visit: every one in scope, or a sample (MD 1) around the central function.

    Sampling applies where the sites in scope have a central function and others besides it;
    the planner's chosen sites count towards the sample, the rest is drawn at random and the
    draw (seed included) is kept so that it can be repeated.
    """
    scope = sites_in_scope(certifications)
    by_id = {str(s.id): s for s in scope}
    if any(i not in by_id for i in chosen_ids):
        raise SiteChoiceError("sites", "Choose among the sites in scope of these certifications.")
    central = [s for s in scope if s.is_headquarters]
    others = [s for s in scope if not s.is_headquarters]
    if kind not in SAMPLE_KIND or not central or not others:
        picked = [by_id[i] for i in chosen_ids] or scope
        return picked, {"sampled": False, "working": ["every site chosen is visited"]}
    size = sample_size(len(others), SAMPLE_KIND[kind])
    chosen = [i for i in dict.fromkeys(chosen_ids) if not by_id[i].is_headquarters]
    if len(chosen) > size.sampled_sites:
        size_sites = len(chosen)  # the planner may visit more than the minimum
    else:
        size_sites = size.sampled_sites
    try:
        draw = draw_sample(
            [str(s.id) for s in others],
            size_sites,
            chosen=chosen[: size_sites - size.random_minimum] if size.random_minimum else chosen,
            seed=seed,
        )
    except PlanningError as exc:
        raise SiteChoiceError("sites", f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    names = {str(s.id): s.name for s in others}
    visited = central + [by_id[i] for i in draw.sites]
    record = {
        "sampled": True,
        "seed": draw.seed,
        "chosen": list(draw.chosen_sites),
        "random": list(draw.random_sites),
        "working": [
            *size.working,
            "chosen by the planner: " + (", ".join(names[i] for i in draw.chosen_sites) or "none"),
            f"drawn at random with seed {draw.seed}: "
            + (", ".join(names[i] for i in draw.random_sites) or "none"),
            f"central function: {central[0].name}, in every audit",
        ],
    }
    return visited, record
