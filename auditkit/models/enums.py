"""Closed value sets of the domain, stored as strings."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def db_enum(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    AUDITOR = "auditor"
    REVIEWER = "reviewer"
    DECISION_MAKER = "decision_maker"
    AUDITEE = "auditee"


class AuditType(StrEnum):
    STAGE1 = "stage1"
    STAGE2 = "stage2"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"
    SPECIAL = "special"
    FOLLOW_UP = "follow_up"


class AuditStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    REPORT_RELEASED = "report_released"
    DECIDED = "decided"


class TeamRole(StrEnum):
    LEAD = "lead"
    AUDITOR = "auditor"
    TECHNICAL_EXPERT = "technical_expert"
    OBSERVER = "observer"
    # Learning to audit: on the team, not counted in its auditor-days (laptops show an
    # observer: see sync.engine.pull.audit_header).
    TRAINEE = "trainee"


class Verdict(StrEnum):
    CONFORMING = "conforming"
    NONCONFORMITY = "nonconformity"
    OBSERVATION = "observation"
    OFI = "ofi"
    NOT_APPLICABLE = "not_applicable"
    NOT_AUDITED = "not_audited"


class Grade(StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"
    OFI = "ofi"
    POSITIVE = "positive"
    # Stage 1 records areas of concern, not graded nonconformities (17021-1 9.3.1.2).
    CONCERN = "concern"
    # VCA: a deviation against one question; binary scoring has no major or minor.
    DEVIATION = "deviation"


class MeetingKind(StrEnum):
    OPENING = "opening"
    CLOSING = "closing"


class Recommendation(StrEnum):
    """The audit team's recommendation; which values fit depends on the audit type
    (auditkit.recommendations)."""

    # stage 1
    READY_FOR_STAGE2 = "ready_for_stage2"
    READY_ONCE_CONCERNS_RESOLVED = "ready_once_concerns_resolved"
    NOT_READY_FOR_STAGE2 = "not_ready_for_stage2"
    # stage 2 (grant) and recertification (renew)
    CERTIFY = "certify"
    CERTIFY_AFTER_CLOSURE = "certify_after_closure"
    DO_NOT_CERTIFY = "do_not_certify"
    # surveillance
    MAINTAIN = "maintain"
    MAINTAIN_AFTER_CLOSURE = "maintain_after_closure"
    SUSPEND = "suspend"
    # special audits
    EXTEND_SCOPE = "extend_scope"
    EXTEND_SCOPE_AFTER_CLOSURE = "extend_scope_after_closure"
    REDUCE_SCOPE = "reduce_scope"
    RESTORE = "restore"
    NO_CHANGE = "no_change"
    # follow-up visits
    CLOSE_FOLLOW_UP = "close_follow_up"
    FOLLOW_UP_NOT_CLOSED = "follow_up_not_closed"


class SystemEffectiveness(StrEnum):
    """The lead's statement on the management system's conformity and effectiveness."""

    EFFECTIVE = "effective"
    EFFECTIVE_EXCEPT_NCS = "effective_except_ncs"
    NOT_EFFECTIVE = "not_effective"


class ScopeFit(StrEnum):
    """Is the certification scope appropriate for what the audit saw (17021-1 9.4.8.3)?"""

    APPROPRIATE = "appropriate"
    NEEDS_CHANGE = "needs_change"


class ObjectivesMet(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


class ActivityMode(StrEnum):
    """Where audit time was spent (IAF MD 4 and MD 5)."""

    ON_SITE = "on_site"
    REMOTE = "remote"  # auditing through ICT: counts as auditing, recorded as remote
    OFF_SITE = "off_site"  # planning, document review and reporting away from the client


class CommentKind(StrEnum):
    """What a reviewer's comment on an audit is (its replies carry their thread's kind)."""

    QUERY = "query"  # a question the team answers; open until a reviewer closes it
    RETURN = "return"  # the reasons given when the audit was returned to the team


class CertificateStatus(StrEnum):
    """The IAF CertSearch status set (IAF MD 28)."""

    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    INACTIVE = "inactive"


class DecisionOutcome(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"
    MAINTAIN = "maintain"
    RENEW = "renew"
    SUSPEND = "suspend"
    RESTORE = "restore"
    WITHDRAW = "withdraw"
    EXPAND_SCOPE = "expand_scope"
    REDUCE_SCOPE = "reduce_scope"


class CorrectiveActionStatus(StrEnum):
    """Where the organisation's answer to one nonconformity stands (auditkit.corrective_actions)."""

    DRAFT = "draft"  # the contact is writing it; the CB sees nothing yet
    SUBMITTED = "submitted"  # correction, cause and action sent: the CB evaluates the plan
    PLAN_ACCEPTED = "plan_accepted"  # the organisation carries it out, then sends evidence
    PLAN_REJECTED = "plan_rejected"  # with the reason: the contact revises and sends again
    EVIDENCE_SUBMITTED = "evidence_submitted"  # the CB verifies it
    VERIFIED_CLOSED = "verified_closed"  # who verified, how and when are recorded
    REOPENED = "reopened"  # the evidence was not enough, or a closed one proved ineffective


class VerificationMethod(StrEnum):
    DOCUMENT_REVIEW = "document_review"
    ON_SITE = "on_site"  # at a follow-up audit, on site or remote
    NEXT_AUDIT = "next_audit"  # a minor, at the next planned audit (DOMAIN.md 1.6)


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # a sender has claimed it
    SENT = "sent"
    FAILED = "failed"  # given up: refused for good, or too many attempts
