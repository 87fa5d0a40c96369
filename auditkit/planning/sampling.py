"""Multi-site sampling (IAF MD 1:2018): how many sites to visit, which, and per-site reductions.

n is the number of sites other than the central function; the central function is visited at
every audit on top of the sample. The factors and shares come from `data/audit_time.yaml`.
Everything is rounded up in exact arithmetic, never floats: a float product lands a hair above
or below a whole number with no promise which way, and rounding up turns a hair into a site.
Square roots are compared in whole numbers (k >= f x sqrt(n) exactly when (k q)^2 >= p^2 n for
f = p/q), so 0.6 x sqrt(25) is exactly 3 and 30% of 10 sites exactly 3.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from auditkit.planning.audit_time import Adjustment, format_percent
from auditkit.planning.time_tables import AuditTimeData, PlanningError, load_tables

AUDIT_KINDS = ("initial", "surveillance", "recertification")

__all__ = [
    "AUDIT_KINDS",
    "SampleDraw",
    "SampleSize",
    "SamplingError",
    "check_site_reduction",
    "draw_sample",
    "random_minimum",
    "sample_size",
]


class SamplingError(PlanningError):
    """Sampling input the MD 1 rules refuse; the message says why."""


def _ceil_times_sqrt(factor: Fraction, n: int) -> int:
    """The smallest whole k with k >= factor x sqrt(n), without floating point."""
    p, q = factor.numerator, factor.denominator
    target = p * p * n
    root = math.isqrt(target)
    if root * root < target:
        root += 1  # ceil(sqrt(p^2 n)); k q >= sqrt(p^2 n) <=> k q >= that ceiling
    return -(-root // q)


def _ceil_share(share: Fraction, n: int) -> int:
    return math.ceil(share * n)


def random_minimum(sample: int, *, data: AuditTimeData | None = None) -> int:
    """At least a quarter of the sample (rounded up) is drawn at random (MD 1)."""
    data = data or load_tables()
    return _ceil_share(data.sampling.random_share, sample)


@dataclass(frozen=True)
class SampleSize:
    audit_kind: str
    sites: int  # n: the sites other than the central function
    sampling_appropriate: bool
    sampled_sites: int
    visited_sites: int  # the sampled sites plus the central function
    random_minimum: int  # of the sampled sites; 0 when every site is visited
    working: tuple[str, ...]


def sample_size(
    n_sites: int,
    audit_kind: str,
    *,
    sampling_appropriate: bool = True,
    data: AuditTimeData | None = None,
) -> SampleSize:
    """The minimum number of sites to visit at one audit (MD 1), before any risk-based increase.

    Where sampling is not appropriate (MD 1 6.2), every site is visited at initial and
    recertification audits, and 30% of the sites (rounded up) at each surveillance, rotating.
    """
    data = data or load_tables()
    rules = data.sampling
    if audit_kind not in AUDIT_KINDS:
        raise SamplingError(f"the audit is one of {', '.join(AUDIT_KINDS)}, not {audit_kind!r}")
    if isinstance(n_sites, bool) or not isinstance(n_sites, int) or n_sites < 1:
        raise SamplingError(
            "the number of sites other than the central function must be at least 1; "
            f"got {n_sites!r}"
        )
    working = [f"{n_sites} sites other than the central function (n = {n_sites})"]
    if sampling_appropriate:
        factor = rules.factors[audit_kind]
        needed = _ceil_times_sqrt(factor, n_sites)
        sampled = min(needed, n_sites)
        formula = "√n" if factor == 1 else f"{Decimal(factor.numerator) / factor.denominator} × √n"
        working.append(
            f"{audit_kind}: {formula} = {formula.replace('n', str(n_sites))}, rounded up → "
            f"{needed} site{'s' if needed != 1 else ''}"
            + (f", at most n → {sampled}" if sampled < needed else "")
            + f" ({rules.source})"
        )
    elif audit_kind == "surveillance":
        share = rules.not_appropriate_surveillance_share
        sampled = min(_ceil_share(share, n_sites), n_sites)
        percent = Decimal(share.numerator) * 100 / share.denominator
        working.append(
            f"sampling not appropriate, surveillance: {percent.normalize():f}% "
            f"of {n_sites} sites per year, rounded up → {sampled}, rotating ({rules.source} 6.2)"
        )
    else:
        sampled = n_sites
        working.append(
            f"sampling not appropriate, {audit_kind}: every site → {sampled} ({rules.source} 6.2)"
        )
    randomly = 0
    if sampling_appropriate and sampled < n_sites:
        randomly = random_minimum(sampled, data=data)
        working.append(f"at least a quarter drawn at random: {randomly} of the {sampled}")
    working.append(f"sites visited including the central function: {sampled} + 1 = {sampled + 1}")
    return SampleSize(
        audit_kind, n_sites, sampling_appropriate, sampled, sampled + 1, randomly, tuple(working)
    )


@dataclass(frozen=True)
class SampleDraw:
    seed: int
    random_sites: tuple[str, ...]  # drawn at random, in draw order
    chosen_sites: tuple[str, ...]  # chosen by the planner (risk, rotation over the cycle)
    working: tuple[str, ...]

    @property
    def sites(self) -> tuple[str, ...]:
        return self.chosen_sites + self.random_sites


def _draw(rng: random.Random, pool: list[str], k: int) -> list[str]:
    """k of the pool by a partial Fisher-Yates shuffle that only uses rng.random().

    Python promises that random() repeats its sequence for a seed across versions, but not
    sample() or shuffle(); a draw recorded today must give the same sites after an upgrade.
    """
    pool = list(pool)
    for i in range(k):
        j = i + int(rng.random() * (len(pool) - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def draw_sample(
    site_ids: Sequence[str],
    size: int,
    *,
    chosen: Sequence[str] = (),
    seed: int | None = None,
    data: AuditTimeData | None = None,
) -> SampleDraw:
    """Which sites to visit: the planner's `chosen` ones and the rest drawn at random.

    At least a quarter of the sample (rounded up) is drawn at random, unless every site is in
    the sample. Takes a seed rather than a random.Random because a Random's seed cannot be read
    back: the seed is recorded with the draw (a new one is made when none is given), and the same
    seed, sites and choices give the same draw. The site ids are sorted first, so the order they
    are passed in does not change the draw.
    """
    ids = [str(s) for s in site_ids]
    if len(set(ids)) != len(ids) or not all(s.strip() for s in ids):
        raise SamplingError("site ids must be distinct and non-empty")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= len(ids):
        raise SamplingError(f"the sample size must be between 1 and {len(ids)}, not {size!r}")
    picked = [str(s) for s in chosen]
    unknown = [s for s in picked if s not in ids]
    if unknown or len(set(picked)) != len(picked):
        raise SamplingError(f"chosen sites must be distinct site ids; unknown: {unknown}")
    least_random = random_minimum(size, data=data) if size < len(ids) else 0
    if len(picked) > size - least_random:
        raise SamplingError(
            f"at most {size - least_random} of the {size} sites may be chosen: at least "
            f"{least_random} must be drawn at random (IAF MD 1)"
        )
    if seed is None:
        seed = secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SamplingError(f"the seed must be a whole number, not {seed!r}")
    pool = sorted(s for s in ids if s not in picked)
    drawn = _draw(random.Random(seed), pool, size - len(picked))
    working = [
        f"chosen by the planner: {', '.join(picked) if picked else 'none'}",
        f"drawn at random from {len(pool)} sites with seed {seed}: {', '.join(drawn) or 'none'} "
        f"(at least {least_random} required; the same seed repeats the draw)",
    ]
    return SampleDraw(seed, tuple(drawn), tuple(picked), tuple(working))


def check_site_reduction(
    adjustments: Sequence[Adjustment], *, data: AuditTimeData | None = None
) -> Decimal:
    """The net percent of a sampled site's reductions; refused beyond the cap (MD 1: 50%).

    The cap covers every reduction of the site together, e.g. 30% under MD 5 and 20% for
    processes run by the central function.
    """
    data = data or load_tables()
    cap = data.config.site_reduction_cap_percent
    net = sum((a.percent for a in adjustments), Decimal(0))
    if net < -cap:
        raise SamplingError(
            f"the site's reductions come to {format_percent(net)}; a sampled site's audit time "
            f"may be reduced by at most {cap.normalize():f}% in total (IAF MD 1)"
        )
    return net
