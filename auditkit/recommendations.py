"""What an audit team may grade and recommend, by audit type (ISO/IEC 17021-1 9.3-9.6).

Stage 1 records areas of concern, not graded nonconformities, and says whether the client is
ready for stage 2. Stage 2 and recertification recommend granting or renewing; surveillance
maintaining or suspending; special audits a change of scope or a restoration; a follow-up
whether it can be closed. VCA findings are deviations against one question.

A recommendation that contradicts the findings is refused with a sentence: an unconditional
positive one while nonconformities are open, a conditional one with nothing to close.
No Flask here: the laptop's sign-off and the CB's decision both ask this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from auditkit.models.enums import AuditType, Grade, Recommendation

R = Recommendation
_CHOICES: dict[AuditType, dict[Recommendation, str]] = {
    AuditType.STAGE1: {
        R.READY_FOR_STAGE2: "Ready for stage 2",
        R.READY_ONCE_CONCERNS_RESOLVED: "Ready for stage 2 once the listed concerns are resolved",
        R.NOT_READY_FOR_STAGE2: "Not ready for stage 2",
    },
    AuditType.STAGE2: {
        R.CERTIFY: "Recommend granting certification",
        R.CERTIFY_AFTER_CLOSURE: (
            "Recommend granting certification once majors are verified closed and the plans "
            "for minors accepted"
        ),
        R.DO_NOT_CERTIFY: "Do not recommend granting certification",
    },
    AuditType.RECERTIFICATION: {
        R.CERTIFY: "Recommend renewing certification",
        R.CERTIFY_AFTER_CLOSURE: (
            "Recommend renewing certification once majors are verified closed and the plans "
            "for minors accepted"
        ),
        R.DO_NOT_CERTIFY: "Do not recommend renewing certification",
    },
    AuditType.SURVEILLANCE: {
        R.MAINTAIN: "Recommend maintaining certification",
        R.MAINTAIN_AFTER_CLOSURE: (
            "Recommend maintaining certification once majors are verified closed and the "
            "plans for minors accepted"
        ),
        R.SUSPEND: "Recommend suspending certification",
    },
    AuditType.SPECIAL: {
        R.EXTEND_SCOPE: "Recommend extending the scope",
        R.EXTEND_SCOPE_AFTER_CLOSURE: (
            "Recommend extending the scope once the nonconformities raised are closed"
        ),
        R.REDUCE_SCOPE: "Recommend reducing the scope",
        R.RESTORE: "Recommend restoring the suspended certification",
        R.NO_CHANGE: "Recommend no change to the certification",
    },
    AuditType.FOLLOW_UP: {
        R.CLOSE_FOLLOW_UP: "The nonconformities followed up are closed: close the follow-up",
        R.FOLLOW_UP_NOT_CLOSED: (
            "Not closed: the corrections or corrective actions are not effective"
        ),
        R.RESTORE: "Recommend restoring the suspended certification",
    },
}
# Unconditional positive recommendations: refused while nonconformities are open.
_UNCONDITIONAL = frozenset({R.CERTIFY, R.MAINTAIN, R.EXTEND_SCOPE, R.CLOSE_FOLLOW_UP, R.RESTORE})
# Conditional ones and what they wait for.
_CONDITIONAL = {
    R.CERTIFY_AFTER_CLOSURE: R.CERTIFY,
    R.MAINTAIN_AFTER_CLOSURE: R.MAINTAIN,
    R.EXTEND_SCOPE_AFTER_CLOSURE: R.EXTEND_SCOPE,
}
NONCONFORMITIES = frozenset({Grade.MAJOR, Grade.MINOR, Grade.DEVIATION})
_MS_GRADES = (Grade.MAJOR, Grade.MINOR, Grade.OBSERVATION, Grade.OFI, Grade.POSITIVE)
_STAGE1_GRADES = (Grade.CONCERN, Grade.OBSERVATION, Grade.OFI, Grade.POSITIVE)
_VCA_GRADES = (Grade.DEVIATION, Grade.OBSERVATION, Grade.OFI, Grade.POSITIVE)


def choices(audit_type: AuditType) -> dict[Recommendation, str]:
    """The recommendations that fit this audit type, with what the team reads for each."""
    return dict(_CHOICES[audit_type])


def label(audit_type: AuditType, recommendation: Recommendation | None) -> str:
    if recommendation is None:
        return "Not yet recorded"
    return _CHOICES[audit_type].get(recommendation, recommendation.value.replace("_", " "))


def grades(
    audit_type: AuditType, *, vca: bool, management_system: bool = True
) -> tuple[Grade, ...]:
    """The grades a finding of this audit may have, most severe first.

    A VCA audit grades deviations; a stage 1 records areas of concern; an audit that covers
    both a VCA checklist and a management-system standard offers both kinds of nonconformity.
    """
    if audit_type == AuditType.STAGE1:
        base: tuple[Grade, ...] = _STAGE1_GRADES
        return (Grade.DEVIATION, *base) if vca else base
    if vca and not management_system:
        return _VCA_GRADES
    if vca:
        return (Grade.MAJOR, Grade.MINOR, Grade.DEVIATION, *_MS_GRADES[2:])
    return _MS_GRADES


def problem(
    audit_type: AuditType, recommendation: Recommendation | None, findings: Iterable[Grade]
) -> str | None:
    """Why `recommendation` contradicts the findings, as a sentence; None when it does not."""
    if recommendation is None:
        return None
    if recommendation not in _CHOICES[audit_type]:
        return (
            f"'{recommendation.value.replace('_', ' ')}' is not a recommendation for this "
            "audit type; choose one of those offered."
        )
    counts = Counter(findings)
    open_ncs = sum(counts[g] for g in NONCONFORMITIES)
    if recommendation in _UNCONDITIONAL and open_ncs:
        conditional = next((c for c, base in _CONDITIONAL.items() if base == recommendation), None)
        what = _describe(counts)
        if conditional is not None and conditional in _CHOICES[audit_type]:
            return (
                f"{what} open: an unconditional '{label(audit_type, recommendation)}' "
                f"contradicts them. Choose '{label(audit_type, conditional)}', or a negative "
                "recommendation."
            )
        return (
            f"{what} open: '{label(audit_type, recommendation)}' contradicts them. "
            "Choose another recommendation."
        )
    if recommendation in _CONDITIONAL and not open_ncs:
        base = _CONDITIONAL[recommendation]
        return (
            "No nonconformity was raised, so there is nothing to close: choose "
            f"'{label(audit_type, base)}'."
        )
    if recommendation == R.READY_ONCE_CONCERNS_RESOLVED and not counts[Grade.CONCERN]:
        return (
            "No area of concern is listed: record the concerns as findings, or choose "
            f"'{label(audit_type, R.READY_FOR_STAGE2)}'."
        )
    return None


def _describe(counts: Counter[Grade]) -> str:
    parts = []
    for grade, one, many in (
        (Grade.MAJOR, "major nonconformity", "major nonconformities"),
        (Grade.MINOR, "minor nonconformity", "minor nonconformities"),
        (Grade.DEVIATION, "VCA deviation", "VCA deviations"),
    ):
        if counts[grade]:
            parts.append(f"{counts[grade]} {one if counts[grade] == 1 else many}")
    verb = "is" if sum(counts[g] for g in NONCONFORMITIES) == 1 else "are"
    text = " and ".join(parts)
    return text[:1].upper() + text[1:] + f" {verb}"
