"""VCA scoring per level: must-questions, supplementary thresholds from the data, N/A rules."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from auditkit.checklists import (
    Checklist,
    load_checklist,
    parse_checklist,
    score_vca,
    shipped_checklists_dir,
)

PROVISIONAL = "Provisional: the level mapping of this checklist is not confirmed."

# question id -> (star1 flag, star2 flag, na_allowed)
FLAGS: dict[str, tuple[str, str, bool]] = {
    "1.1": ("must", "must", False),
    "1.2": ("must", "must", True),
    "2.1": ("none", "must", False),
    "2.2": ("none", "supplementary", False),
    "2.3": ("none", "supplementary", False),
}


def vca_checklist(star2_supplementary_min: int = 1, level_mapping: str = "confirmed") -> Checklist:
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
        "level_mapping": level_mapping,
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


def test_a_confirmed_level_mapping_gives_final_results() -> None:
    results = score_vca(vca_checklist(), all_conforming())
    assert not any(result.provisional for result in results.values())
    assert not any(PROVISIONAL in result.reasons for result in results.values())


def test_an_unconfirmed_level_mapping_makes_every_level_provisional_and_says_so_once() -> None:
    results = score_vca(
        vca_checklist(level_mapping="unconfirmed"), all_conforming({"1.1": "nonconformity"})
    )
    for result in results.values():
        assert result.provisional
        assert result.reasons[0] == PROVISIONAL
        assert result.reasons.count(PROVISIONAL) == 1
    assert results["star1"].reasons == [PROVISIONAL, "Must-question 1.1 is a nonconformity."]
    assert not results["star1"].passed  # provisional results still pass or fail by the rules


def shipped_vca() -> Checklist:
    return load_checklist(shipped_checklists_dir() / "vca-2017.yaml")


def test_the_shipped_vca_mapping_is_unconfirmed_so_its_scores_are_provisional() -> None:
    checklist = shipped_vca()
    assert not checklist.level_mapping_confirmed
    answers = {question.id: "conforming" for _, question in checklist.iter_items()}
    results = score_vca(checklist, answers)
    assert list(results) == ["star1", "star2", "petro"]
    assert all(r.passed and r.provisional and r.reasons[0] == PROVISIONAL for r in results.values())


def test_shipped_na_allowed_questions_are_must_questions_marked_unconfirmed() -> None:
    checklist = shipped_vca()
    allowed = [question for _, question in checklist.iter_items() if question.na_allowed]
    assert [question.id for question in allowed] == ["3.4", "8.1", "10.1", "10.2", "10.3"]
    for question in allowed:
        assert "must" in question.levels.values(), question.id
        assert "N/A permission" in (question.unconfirmed or ""), question.id
        assert "SSVV" in (question.unconfirmed or ""), question.id


def test_a_contractor_that_never_subcontracts_can_still_reach_vca_star2() -> None:
    checklist = shipped_vca()
    answers = {question.id: "conforming" for _, question in checklist.iter_items()}
    answers.update({"10.1": "not_applicable", "10.2": "not_applicable"})
    results = score_vca(checklist, answers)
    assert results["star2"].passed and results["petro"].passed
    assert results["star2"].failed_must == []


def test_not_applicable_still_fails_a_shipped_must_question_without_permission() -> None:
    checklist = shipped_vca()
    answers = {question.id: "conforming" for _, question in checklist.iter_items()}
    answers["2.1"] = "not_applicable"  # the RI&E always applies
    results = score_vca(checklist, answers)
    assert not any(result.passed for result in results.values())
    assert all(result.failed_must == ["2.1"] for result in results.values())
