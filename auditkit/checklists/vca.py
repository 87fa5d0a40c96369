"""VCA scoring: pass or fail per certification level, from the answers of a VCA audit.

Rules (DOMAIN.md 4.4), with the thresholds taken from the checklist's `levels` data:

- A level passes when every must-question of that level passed and at least `supplementary_min` of
  its supplementary questions passed.
- A question passes when answered "conforming", "observation" or "ofi". Observations and
  opportunities for improvement are not nonconformities: the requirement was met, the auditor only
  noted something, so they count as passed.
- "nonconformity" fails the question.
- "not_applicable" fails the question, unless the question has `na_allowed: true` (the scheme lets
  it be not applicable), in which case it passes. For a supplementary question without
  `na_allowed` it simply does not count towards the threshold.
- A question that is missing from the answers, answered None or "not_audited" is unanswered: an
  unanswered must-question means the level does not pass (the reason says so).
- A checklist whose file says `level_mapping: unconfirmed` gives provisional results: which
  questions are must or supplementary at a level has not been checked against the SSVV publication,
  so every level's result has `provisional` set and its first reason says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auditkit.checklists.model import LEVEL_MUST, LEVEL_SUPPLEMENTARY, Checklist, Level, Question

CONFORMING = "conforming"
NONCONFORMITY = "nonconformity"
OBSERVATION = "observation"
OFI = "ofi"
NOT_APPLICABLE = "not_applicable"
NOT_AUDITED = "not_audited"
VERDICTS = (CONFORMING, NONCONFORMITY, OBSERVATION, OFI, NOT_APPLICABLE, NOT_AUDITED)
PASSING_VERDICTS = frozenset({CONFORMING, OBSERVATION, OFI})
PROVISIONAL_REASON = "Provisional: the level mapping of this checklist is not confirmed."


@dataclass(frozen=True)
class LevelResult:
    """The outcome for one VCA level, with the reasons as sentences for the report."""

    key: str
    name: str
    passed: bool
    reasons: list[str]
    failed_must: list[str]
    unanswered_must: list[str]
    supplementary_passed: int
    supplementary_required: int
    supplementary_total: int = 0
    provisional: bool = False  # the checklist's level mapping is not confirmed


def _passes(question: Question, verdict: str | None) -> bool:
    if verdict == NOT_APPLICABLE:
        return question.na_allowed
    return verdict in PASSING_VERDICTS


def _check_answers(checklist: Checklist, answers: Mapping[str, str | None]) -> None:
    if not checklist.is_vca:
        raise ValueError(f"{checklist.id} is not a VCA checklist (kind: {checklist.kind})")
    known = {question.id for _, question in checklist.iter_items()}
    for question_id, verdict in answers.items():
        if question_id not in known:
            raise ValueError(f"{checklist.id} has no question {question_id!r}")
        if verdict is not None and verdict not in VERDICTS:
            raise ValueError(
                f"unknown verdict {verdict!r} for question {question_id}; "
                f"expected one of {', '.join(VERDICTS)}"
            )


def _score_level(
    checklist: Checklist, level: Level, answers: Mapping[str, str | None]
) -> LevelResult:
    provisional = not checklist.level_mapping_confirmed
    reasons: list[str] = [PROVISIONAL_REASON] if provisional else []
    failed: list[str] = []
    unanswered: list[str] = []
    must_count = 0
    supplementary_total = 0
    supplementary_passed = 0
    for _, question in checklist.iter_items():
        flag = question.flag(level.key)
        verdict = answers.get(question.id)
        if flag == LEVEL_SUPPLEMENTARY:
            supplementary_total += 1
            supplementary_passed += _passes(question, verdict)
        if flag != LEVEL_MUST:
            continue
        must_count += 1
        if verdict is None or verdict == NOT_AUDITED:
            unanswered.append(question.id)
            state = "is unanswered" if verdict is None else "was not audited"
            reasons.append(f"Must-question {question.id} {state}.")
        elif verdict == NOT_APPLICABLE and not question.na_allowed:
            failed.append(question.id)
            reasons.append(
                f"Must-question {question.id} was answered not applicable, which counts as failed."
            )
        elif not _passes(question, verdict):
            failed.append(question.id)
            reasons.append(f"Must-question {question.id} is a nonconformity.")
    if not failed and not unanswered:
        reasons.append(f"All {must_count} must-questions passed.")
    enough = supplementary_passed >= level.supplementary_min
    if supplementary_total or level.supplementary_min:
        passed_text = (
            f"{supplementary_passed} of {supplementary_total} supplementary questions passed"
        )
        if enough:
            reasons.append(f"{passed_text} ({level.supplementary_min} required).")
        else:
            reasons.append(f"Only {passed_text}; at least {level.supplementary_min} are required.")
    return LevelResult(
        key=level.key,
        name=level.name,
        passed=not failed and not unanswered and enough,
        reasons=reasons,
        failed_must=failed,
        unanswered_must=unanswered,
        supplementary_passed=supplementary_passed,
        supplementary_required=level.supplementary_min,
        supplementary_total=supplementary_total,
        provisional=provisional,
    )


def score_vca(checklist: Checklist, answers: Mapping[str, str | None]) -> dict[str, LevelResult]:
    """The result per level key, in the checklist's level order.

    `answers` maps question id (e.g. "2.3") to a verdict in VERDICTS; a missing id is unanswered.
    Raises ValueError for a checklist that is not VCA, an unknown verdict or an unknown question id.
    """
    _check_answers(checklist, answers)
    return {level.key: _score_level(checklist, level, answers) for level in checklist.levels}
