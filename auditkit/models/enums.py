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
    DECIDED = "decided"


class TeamRole(StrEnum):
    LEAD = "lead"
    AUDITOR = "auditor"
    TECHNICAL_EXPERT = "technical_expert"
    OBSERVER = "observer"


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


class MeetingKind(StrEnum):
    OPENING = "opening"
    CLOSING = "closing"


class Recommendation(StrEnum):
    CERTIFY = "certify"
    CERTIFY_AFTER_CLOSURE = "certify_after_closure"
    DO_NOT_CERTIFY = "do_not_certify"


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
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    VERIFIED = "verified"
