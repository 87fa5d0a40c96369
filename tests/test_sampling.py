"""Multi-site sampling: expected values written out from DOMAIN.md 2.3 (IAF MD 1:2018)."""

from __future__ import annotations

import pytest

from auditkit.planning.audit_time import Adjustment
from auditkit.planning.sampling import (
    SamplingError,
    check_site_reduction,
    draw_sample,
    random_minimum,
    sample_size,
)

SITES = [f"site-{i:02d}" for i in range(1, 27)]  # 26 sites besides the central function


@pytest.mark.parametrize(
    ("n", "initial", "surveillance", "recertification"),
    [
        (1, 1, 1, 1),
        (2, 2, 1, 2),  # MD 1's example: initial all, each surveillance 1, recert all
        (4, 2, 2, 2),  # 0.6 x 2 = 1.2 -> 2, 0.8 x 2 = 1.6 -> 2
        (25, 5, 3, 4),  # 0.6 x 5 is exactly 3: no float rounds it up to 4
        (26, 6, 4, 5),  # MD 1's example: n = 26 -> initial 6
        (100, 10, 6, 8),
    ],
)
def test_sample_sizes(n: int, initial: int, surveillance: int, recertification: int) -> None:
    assert sample_size(n, "initial").sampled_sites == initial
    assert sample_size(n, "surveillance").sampled_sites == surveillance
    assert sample_size(n, "recertification").sampled_sites == recertification


def test_the_central_function_is_always_added() -> None:
    for kind in ("initial", "surveillance", "recertification"):
        result = sample_size(26, kind)
        assert result.visited_sites == result.sampled_sites + 1
    result = sample_size(26, "initial")
    assert (result.sampled_sites, result.visited_sites) == (6, 7)
    assert "sites visited including the central function: 6 + 1 = 7" in result.working


def test_the_sample_is_never_more_than_n() -> None:
    for n in range(1, 300):
        for kind in ("initial", "surveillance", "recertification"):
            assert 1 <= sample_size(n, kind).sampled_sites <= n


@pytest.mark.parametrize(
    ("n", "kind", "sampled"),
    [
        (10, "initial", 10),
        (10, "recertification", 10),
        (10, "surveillance", 3),  # 30% of 10
        (7, "surveillance", 3),  # 2.1 rounded up
        (1, "surveillance", 1),
        (26, "surveillance", 8),  # 7.8 rounded up
    ],
)
def test_where_sampling_is_not_appropriate(n: int, kind: str, sampled: int) -> None:
    result = sample_size(n, kind, sampling_appropriate=False)
    assert result.sampled_sites == sampled
    assert result.visited_sites == sampled + 1
    assert result.random_minimum == 0


def test_random_minimum_is_a_quarter_rounded_up() -> None:
    assert [random_minimum(k) for k in (1, 4, 5, 6, 8, 9)] == [1, 1, 2, 2, 2, 3]
    assert sample_size(26, "initial").random_minimum == 2
    assert sample_size(2, "initial").random_minimum == 0  # every site is visited


@pytest.mark.parametrize(("n", "kind"), [(0, "initial"), (-1, "initial"), (5, "stage2")])
def test_bad_input_is_refused(n: int, kind: str) -> None:
    with pytest.raises(SamplingError):
        sample_size(n, kind)


def test_a_draw_repeats_from_its_seed() -> None:
    first = draw_sample(SITES, 6, seed=1234)
    again = draw_sample(list(reversed(SITES)), 6, seed=1234)  # order passed in does not matter
    assert first == again
    assert len(set(first.sites)) == 6 and set(first.sites) <= set(SITES)
    assert "seed 1234" in first.working[1]
    others = {draw_sample(SITES, 6, seed=seed).random_sites for seed in range(10)}
    assert len(others) > 1  # the seed does change the draw


def test_a_draw_without_a_seed_records_one_that_repeats_it() -> None:
    draw = draw_sample(SITES, 6)
    assert draw_sample(SITES, 6, seed=draw.seed) == draw


def test_a_recorded_draw_stays_the_same() -> None:
    # Pinned so that a change of algorithm (or Python's sample()) cannot silently change a
    # draw recorded in an audit programme.
    draw = draw_sample(["a", "b", "c", "d", "e"], 2, seed=7)
    assert draw.random_sites == ("b", "a")


def test_at_least_a_quarter_of_the_sample_is_drawn_at_random() -> None:
    chosen = ["site-01", "site-02", "site-03", "site-04"]
    draw = draw_sample(SITES, 6, chosen=chosen, seed=5)
    assert draw.chosen_sites == tuple(chosen)
    assert len(draw.random_sites) == 2  # 6 / 4 = 1.5 -> 2
    assert not set(draw.random_sites) & set(chosen)
    with pytest.raises(SamplingError, match="at most 4 of the 6 sites may be chosen"):
        draw_sample(SITES, 6, chosen=[*chosen, "site-05"], seed=5)


def test_a_draw_refuses_unknown_or_duplicate_sites() -> None:
    with pytest.raises(SamplingError, match="unknown"):
        draw_sample(SITES, 6, chosen=["site-99"])
    with pytest.raises(SamplingError, match="distinct"):
        draw_sample(["a", "a", "b"], 1)
    with pytest.raises(SamplingError, match="between 1 and 26"):
        draw_sample(SITES, 27)


def test_per_site_reduction_is_capped_at_50_percent() -> None:
    fine = [Adjustment(-30, "MD 5 factors"), Adjustment(-20, "central processes")]
    assert check_site_reduction(fine) == -50
    with pytest.raises(SamplingError, match="at most 50%"):
        check_site_reduction([*fine, Adjustment(-5, "small site")])
    assert check_site_reduction([*fine, Adjustment(10, "night shift")]) == -40
