"""What people read for each value of the domain's closed sets (one place for all of them)."""

from __future__ import annotations

from auditkit import recommendations
from auditkit.models.enums import (
    ActivityMode,
    AuditType,
    Grade,
    MeetingKind,
    ObjectivesMet,
    Recommendation,
    ScopeFit,
    SystemEffectiveness,
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
    Grade.DEVIATION: "Deviation (VCA)",
    Grade.CONCERN: "Area of concern",
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
# Without the audit type at hand (a refused change on the sync page); reports and the Closing
# tab use auditkit.recommendations.label, which words each value for its audit type.
RECOMMENDATION_LABELS: dict[Recommendation, str] = {}
for _type in AuditType:  # the first audit type's wording of a shared value (stage 2's "grant")
    for _value, _text in recommendations.choices(_type).items():
        RECOMMENDATION_LABELS.setdefault(_value, _text)
TEAM_ROLE_LABELS = {
    TeamRole.LEAD: "Lead auditor",
    TeamRole.AUDITOR: "Auditor",
    TeamRole.TECHNICAL_EXPERT: "Technical expert",
    TeamRole.OBSERVER: "Observer",
    TeamRole.TRAINEE: "Trainee",
}
# The answers to the 17021-1 9.4.8.3 statements on the Closing tab and in the report.
CHOICE_VALUE_LABELS = {
    SystemEffectiveness.EFFECTIVE: "Conforms and is effective",
    SystemEffectiveness.EFFECTIVE_EXCEPT_NCS: (
        "Conforms and is effective, apart from the nonconformities raised"
    ),
    SystemEffectiveness.NOT_EFFECTIVE: "Does not conform or is not effective",
    ScopeFit.APPROPRIATE: "Yes, the scope is appropriate",
    ScopeFit.NEEDS_CHANGE: "No, the scope needs to change",
    ObjectivesMet.MET: "Met",
    ObjectivesMet.PARTLY: "Partly met",
    ObjectivesMet.NOT_MET: "Not met",
}
ACTIVITY_MODE_LABELS = {
    ActivityMode.ON_SITE: "On site",
    ActivityMode.REMOTE: "Remote (ICT)",
    ActivityMode.OFF_SITE: "Off site (planning, reporting)",
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
    "activity": "Audit time entry",
    "interviewee": "Interviewee",
    "sampled_record": "Sampled record",
    "query.answer.v1": "Answer to a reviewer's query",
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
