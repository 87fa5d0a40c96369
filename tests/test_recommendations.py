"""What a team may grade and recommend, by audit type; contradictions refused with a sentence."""

from __future__ import annotations

import pytest

from auditkit import recommendations
from auditkit.models import AuditType, Grade, Recommendation

R = Recommendation


@pytest.mark.parametrize(
    "audit_type, expected",
    [
        (
            AuditType.STAGE1,
            [R.READY_FOR_STAGE2, R.READY_ONCE_CONCERNS_RESOLVED, R.NOT_READY_FOR_STAGE2],
        ),
        (AuditType.STAGE2, [R.CERTIFY, R.CERTIFY_AFTER_CLOSURE, R.DO_NOT_CERTIFY]),
        (AuditType.RECERTIFICATION, [R.CERTIFY, R.CERTIFY_AFTER_CLOSURE, R.DO_NOT_CERTIFY]),
        (AuditType.SURVEILLANCE, [R.MAINTAIN, R.MAINTAIN_AFTER_CLOSURE, R.SUSPEND]),
        (
            AuditType.SPECIAL,
            [R.EXTEND_SCOPE, R.EXTEND_SCOPE_AFTER_CLOSURE, R.REDUCE_SCOPE, R.RESTORE, R.NO_CHANGE],
        ),
        (AuditType.FOLLOW_UP, [R.CLOSE_FOLLOW_UP, R.FOLLOW_UP_NOT_CLOSED, R.RESTORE]),
    ],
)
def test_each_audit_type_offers_its_own_recommendations(audit_type, expected) -> None:  # type: ignore[no-untyped-def]
    assert list(recommendations.choices(audit_type)) == expected


def test_recertification_words_the_shared_values_as_renewal() -> None:
    assert recommendations.label(AuditType.STAGE2, R.CERTIFY) == "Recommend granting certification"
    assert recommendations.label(AuditType.RECERTIFICATION, R.CERTIFY) == (
        "Recommend renewing certification"
    )


def test_stage1_grades_areas_of_concern_and_vca_grades_deviations() -> None:
    assert recommendations.grades(AuditType.STAGE1, vca=False) == (
        Grade.CONCERN,
        Grade.OBSERVATION,
        Grade.OFI,
        Grade.POSITIVE,
    )
    vca = recommendations.grades(AuditType.STAGE2, vca=True, management_system=False)
    assert Grade.DEVIATION in vca and Grade.MAJOR not in vca and Grade.MINOR not in vca
    iso = recommendations.grades(AuditType.SURVEILLANCE, vca=False)
    assert iso[:2] == (Grade.MAJOR, Grade.MINOR) and Grade.CONCERN not in iso


def test_certification_while_a_major_is_open_is_refused_unless_conditional() -> None:
    problem = recommendations.problem(AuditType.STAGE2, R.CERTIFY, [Grade.MAJOR, Grade.OFI])
    assert problem is not None
    assert problem.startswith("1 major nonconformity is open")
    assert "once majors are verified closed" in problem  # it names the conditional one
    assert recommendations.problem(AuditType.STAGE2, R.CERTIFY_AFTER_CLOSURE, [Grade.MAJOR]) is None
    assert recommendations.problem(AuditType.STAGE2, R.DO_NOT_CERTIFY, [Grade.MAJOR]) is None


def test_maintaining_while_minors_are_open_is_refused() -> None:
    problem = recommendations.problem(
        AuditType.SURVEILLANCE, R.MAINTAIN, [Grade.MINOR, Grade.MINOR]
    )
    assert problem is not None and problem.startswith("2 minor nonconformities are open")


def test_a_conditional_recommendation_with_nothing_to_close_is_refused() -> None:
    problem = recommendations.problem(AuditType.STAGE2, R.CERTIFY_AFTER_CLOSURE, [Grade.OFI])
    assert problem is not None and "nothing to close" in problem
    stage1 = recommendations.problem(AuditType.STAGE1, R.READY_ONCE_CONCERNS_RESOLVED, [])
    assert stage1 is not None and "No area of concern" in stage1
    assert (
        recommendations.problem(AuditType.STAGE1, R.READY_ONCE_CONCERNS_RESOLVED, [Grade.CONCERN])
        is None
    )


def test_an_open_vca_deviation_refuses_an_unconditional_grant() -> None:
    problem = recommendations.problem(AuditType.STAGE2, R.CERTIFY, [Grade.DEVIATION])
    assert problem is not None and "1 VCA deviation is open" in problem


def test_a_recommendation_of_another_audit_type_is_refused() -> None:
    problem = recommendations.problem(AuditType.SURVEILLANCE, R.CERTIFY, [])
    assert problem is not None and "not a recommendation for this audit type" in problem
