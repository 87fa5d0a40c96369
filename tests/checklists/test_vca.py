"""VCA scoring per level: must-questions, supplementary thresholds from the data, N/A rules."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from auditkit.checklists import Checklist, parse_checklist, score_vca

# question id -> (star1 flag, star2 flag, na_allowed)
FLAGS: dict[str, tuple[str, str, bool]] = {
    "1.1": ("must", "must", False),
    "1.2": ("must", "must", True),
    "2.1": ("none", "must", False),
    "2.2": ("none", "supplementary", False),
    "2.3": ("none", "supplementary", False),
}


def vca_checklist(star2_supplementary_min: int = 1) -> Checklist:
    """A two-level VCA checklist, through the loader: star1 2 must; star2 3 must + 2 supp."""

    def question(question_id: str) -> dict[str, Any]:
        star1, star2, na_allowed = FLAGS[question_id]
        data: dict[str, Any] = {
            "id": question_id,
            "text": f"Question {question_id}?",
            "guidance": "Probe.",
            "evidence": ["record"],
            "levels": {"star1": star1, "star2": star2},
        }
        if na_allowed:
            data["na_allowed"] = True
        return data

    chapters = [
        {
            "number": chapter,
            "title": f"Chapter {chapter}",
            "auditable": True,
            "questions": [question(q) for q in FLAGS if q.startswith(f"{chapter}.")],
        }
        for chapter in ("1", "2")
    ]
    data = {
        "id": "vca-2017",
        "kind": "vca",
        "standard": "VCA",
        "edition": "2017/6.0",
        "title": "Test scheme",
        "language": "en",
        "version": "1.0.0",
        "levels": [
            {"key": "star1", "name": "VCA*", "must": 2, "supplementary": 0, "supplementary_min": 0},
            {
                "key": "star2",
                "name": "VCA**",
                "must": 3,
                "supplementary": 2,
                "supplementary_min": star2_supplementary_min,
            },
        ],
        "clauses": chapters,
    }
    return parse_checklist(yaml.safe_dump(data, sort_keys=False), "vca-2017.yaml")


def all_conforming(changes: dict[str, str] | None = None) -> dict[str, str]:
    """Every question answered conforming, except the `changes`."""
    return {**dict.fromkeys(FLAGS, "conforming"), **(changes or {})}


def test_all_conforming_passes_every_level_with_reasons() -> None:
    results = score_vca(vca_checklist(), all_conforming())
    assert list(results) == ["star1", "star2"]
    assert results["star1"].passed and results["star2"].passed
    assert results["star1"].reasons == ["All 2 must-questions passed."]
    assert results["star2"].reasons == [
        "All 3 must-questions passed.",
        "2 of 2 supplementary questions passed (1 required).",
    ]
    assert (results["star2"].supplementary_passed, results["star2"].supplementary_required) == (
        2,
        1,
    )


def test_observations_and_ofis_are_not_nonconformities() -> None:
    results = score_vca(vca_checklist(), all_conforming({"1.1": "observation", "2.2": "ofi"}))
    assert all(result.passed for result in results.values())


def test_nonconformity_on_a_must_question_fails_every_level_that_requires_it() -> None:
    results = score_vca(vca_checklist(), all_conforming({"1.1": "nonconformity"}))
    for key in ("star1", "star2"):
        assert not results[key].passed
        assert results[key].failed_must == ["1.1"]
        assert "Must-question 1.1 is a nonconformity." in results[key].reasons


def test_must_question_at_the_higher_level_only_fails_only_that_level() -> None:
    results = score_vca(vca_checklist(), all_conforming({"2.1": "nonconformity"}))
    assert results["star1"].passed
    assert not results["star2"].passed and results["star2"].failed_must == ["2.1"]


def test_not_applicable_on_a_must_question_counts_as_failed() -> None:
    results = score_vca(vca_checklist(), all_conforming({"1.1": "not_applicable"}))
    assert not results["star1"].passed
    assert results["star1"].failed_must == ["1.1"]
    assert results["star1"].reasons == [
        "Must-question 1.1 was answered not applicable, which counts as failed."
    ]


def test_not_applicable_passes_where_the_question_allows_it() -> None:
    results = score_vca(vca_checklist(), all_conforming({"1.2": "not_applicable"}))
    assert results["star1"].passed and results["star2"].passed


def test_too_few_supplementary_questions_fail_the_level() -> None:
    results = score_vca(
        vca_checklist(), all_conforming({"2.2": "nonconformity", "2.3": "not_applicable"})
    )
    assert results["star1"].passed
    star2 = results["star2"]
    assert not star2.passed
    assert (star2.failed_must, star2.supplementary_passed, star2.supplementary_required) == (
        [],
        0,
        1,
    )
    assert (
        star2.reasons[-1] == "Only 0 of 2 supplementary questions passed; at least 1 are required."
    )


def test_supplementary_threshold_comes_from_the_levels_data() -> None:
    answers = all_conforming({"2.3": "nonconformity"})
    assert score_vca(vca_checklist(star2_supplementary_min=1), answers)["star2"].passed
    assert not score_vca(vca_checklist(star2_supplementary_min=2), answers)["star2"].passed


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        pytest.param({"1.2": "conforming"}, "Must-question 1.1 is unanswered.", id="missing"),
        pytest.param(
            {"1.1": "not_audited", "1.2": "conforming"},
            "Must-question 1.1 was not audited.",
            id="not-audited",
        ),
    ],
)
def test_unanswered_must_question_does_not_pass(answers: dict[str, str], reason: str) -> None:
    star1 = score_vca(vca_checklist(), answers)["star1"]
    assert not star1.passed
    assert star1.unanswered_must == ["1.1"] and star1.failed_must == []
    assert reason in star1.reasons


def test_unknown_verdict_or_question_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown verdict 'passed'"):
        score_vca(vca_checklist(), {"1.1": "passed"})
    with pytest.raises(ValueError, match="no question '9.9'"):
        score_vca(vca_checklist(), {"9.9": "conforming"})


def test_a_management_system_checklist_cannot_be_scored_as_vca() -> None:
    data = {
        "id": "iso9001-2015",
        "standard": "ISO 9001",
        "edition": "2015",
        "title": "Quality",
        "language": "en",
        "version": "1.0.0",
        "clauses": [{"number": "4", "title": "Context"}],
    }
    checklist = parse_checklist(yaml.safe_dump(data), "iso9001-2015.yaml")
    with pytest.raises(ValueError, match="not a VCA checklist"):
        score_vca(checklist, {})
