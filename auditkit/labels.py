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
from sync import protocol

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

# What a synced change is, by mutation name (or its prefix, for the kinds with one name each).
MUTATION_LABELS = {
    "answer": "Answer",
    "finding.create.v1": "New finding",
    "finding.update.v1": "Change to a finding",
    "finding.delete.v1": "Deletion of a finding",
    "photo.add.v1": "New photo",
    "photo.update.v1": "Photo caption",
    "photo.delete.v1": "Removal of a photo",
    "meeting": "Meeting",
    "closure.set.v1": "Recommendation and conclusion",
    "audit.sign.v1": "Sign-off",
    "audit.acknowledge.v1": "Auditee's acknowledgement",
    "audit.signature_void.v1": "Voiding of the signature",
    "audit.submit.v1": "Submission to the CB",
    "conflict.resolve.v1": "Settling of a conflict",
    "interviewee": "Interviewee",
    "sampled_record": "Sampled record",
}
# Why the server refused a change, by the refusal's code.
REFUSAL_LABELS = {
    protocol.CONFLICT: "Conflict",
    protocol.AUDIT_LOCKED: "Audit locked",
    protocol.INVALID: "Refused as invalid",
    protocol.NOT_ON_TEAM: "Not on the audit team",
    protocol.NOT_LEAD: "Lead auditor only",
    protocol.BLOB_MISSING: "Photo missing on the server",
    protocol.STALE_TEAM_VIEW: "Teammates' changes not seen yet",
    protocol.OPEN_CONFLICTS: "Open conflicts",
    protocol.UNKNOWN_MUTATION: "Unknown to the server",
}


def mutation_label(name: str) -> str:
    return MUTATION_LABELS.get(name, MUTATION_LABELS.get(name.split(".")[0], name))
