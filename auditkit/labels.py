"""What people read for each value of the domain's closed sets (one place for all of them)."""

from __future__ import annotations

from auditkit.models.enums import (
    AuditType,
    Grade,
    MeetingKind,
    Recommendation,
    TeamRole,
    Verdict,
)

AUDIT_TYPE_LABELS = {
    AuditType.STAGE1: "Stage 1",
    AuditType.STAGE2: "Stage 2",
    AuditType.SURVEILLANCE: "Surveillance",
    AuditType.RECERTIFICATION: "Recertification",
    AuditType.SPECIAL: "Special",
    AuditType.FOLLOW_UP: "Follow-up",
}
GRADE_LABELS = {
    Grade.MAJOR: "Major nonconformity",
    Grade.MINOR: "Minor nonconformity",
    Grade.OBSERVATION: "Observation",
    Grade.OFI: "Opportunity for improvement",
    Grade.POSITIVE: "Positive finding",
}
GRADE_ORDER = tuple(GRADE_LABELS)  # most severe first
VERDICT_LABELS = {
    Verdict.CONFORMING: "Conforming",
    Verdict.NONCONFORMITY: "Nonconformity",
    Verdict.OBSERVATION: "Observation",
    Verdict.OFI: "OFI",
    Verdict.NOT_APPLICABLE: "Not applicable",
    Verdict.NOT_AUDITED: "Not audited",
}
RECOMMENDATION_LABELS = {
    Recommendation.CERTIFY: "Recommend certification",
    Recommendation.CERTIFY_AFTER_CLOSURE: (
        "Recommend certification after closure of nonconformities"
    ),
    Recommendation.DO_NOT_CERTIFY: "Do not recommend certification",
}
TEAM_ROLE_LABELS = {
    TeamRole.LEAD: "Lead auditor",
    TeamRole.AUDITOR: "Auditor",
    TeamRole.TECHNICAL_EXPERT: "Technical expert",
    TeamRole.OBSERVER: "Observer",
}
MEETING_LABELS = {MeetingKind.OPENING: "Opening meeting", MeetingKind.CLOSING: "Closing meeting"}
