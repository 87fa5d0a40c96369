"""What the audit report holds: plain frozen data, ready for one template (HTML and PDF)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from auditkit.models import Grade, Recommendation


class AuditNotFound(LookupError):
    """No audit with that id in this database."""


@dataclass(frozen=True)
class CBIdentity:
    """The certification body that issues the report (see `auditkit.config.cb_identity`)."""

    name: str
    address: str = ""
    accreditation: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Client:
    legal_name: str
    name: str
    address: str
    representative: Person | None  # the client's representative for the audit


@dataclass(frozen=True)
class Criterion:
    """One standard the audit was against, as pinned when the audit started."""

    standard: str
    edition: str
    amendment: str | None
    checklist_version: str

    @property
    def label(self) -> str:
        base = f"{self.standard}:{self.edition}"
        return f"{base} + {self.amendment}" if self.amendment else base


@dataclass(frozen=True)
class SiteLine:
    name: str
    address: str
    activities: str


@dataclass(frozen=True)
class MeetingLine:
    label: str
    held_at: datetime | None
    attendees: tuple[Person, ...]
    notes: str


@dataclass(frozen=True)
class ClauseCitation:
    reference: str  # "ISO 9001:2015 7.1.5.2", with its detail: "ISO 9001:2015 9.2.2 c)"
    title: str


@dataclass(frozen=True)
class PhotoLine:
    """A photo as the report shows it: an annotated copy stands in for its original."""

    sha256: str
    caption: str
    width: int
    height: int
    annotated: bool

    @property
    def portrait(self) -> bool:
        return self.height > self.width


@dataclass(frozen=True)
class FindingEntry:
    id: uuid.UUID
    number: str  # the server's number, or "P<local number>" while provisional
    provisional: bool
    grade: Grade
    grade_label: str
    clauses: tuple[ClauseCitation, ...]
    requirement: str
    objective_evidence: str
    statement: str
    extent: str
    site: str
    process: str
    interviewees: tuple[str, ...]
    records: tuple[str, ...]
    photos: tuple[PhotoLine, ...]
    correction_due: date | None = None  # VCA: a deviation at an interim audit

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(c.reference for c in self.clauses)

    @property
    def photo_count(self) -> int:
        return len(self.photos)


@dataclass(frozen=True)
class ItemPhotos:
    """The photos taken at one checklist item."""

    reference: str
    question: str
    photos: tuple[PhotoLine, ...]


@dataclass(frozen=True)
class GradeCount:
    grade: Grade
    label: str
    count: int


@dataclass(frozen=True)
class CoverageRow:
    """Checklist items of one standard (or all): how many, how many answered, by verdict."""

    label: str
    total: int
    answered: int
    by_verdict: tuple[int, ...]  # in VERDICT_LABELS order


@dataclass(frozen=True)
class NotApplicableItem:
    reference: str
    question: str
    justification: str


@dataclass(frozen=True)
class IntervieweeLine:
    name: str
    job_role: str
    department: str


@dataclass(frozen=True)
class RecordLine:
    reference: str
    record_type: str
    record_date: date | None
    reason: str


@dataclass(frozen=True)
class ActivityLine:
    """One entry of actual audit time."""

    day: date
    auditor: str
    mode_label: str
    remote: bool
    site: str
    hours: Decimal
    activity: str
    ict: str


@dataclass(frozen=True)
class AuditorTime:
    auditor: str
    on_site: Decimal
    remote: Decimal
    off_site: Decimal

    @property
    def total(self) -> Decimal:
        return self.on_site + self.remote + self.off_site


@dataclass(frozen=True)
class AuditTime:
    """Actual audit time (17021-1 9.4.8; IAF MD 4 remote share and ICT; MD 5 off site)."""

    lines: tuple[ActivityLine, ...]
    by_auditor: tuple[AuditorTime, ...]
    on_site: Decimal
    remote: Decimal
    off_site: Decimal
    remote_percent: int  # of the auditing time (on site + remote)
    off_site_percent: int  # of all time
    ict_used: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return self.on_site + self.remote + self.off_site

    @property
    def days(self) -> Decimal:
        return self.total / 8


@dataclass(frozen=True)
class Statement:
    """One statement of 17021-1 9.4.8.3 with the evidence the lead gave for it."""

    key: str
    question: str
    answer: str  # "Not stated" when the lead did not answer
    evidence: tuple[tuple[str, str], ...]  # (label, text), texts that were left empty omitted


@dataclass(frozen=True)
class VcaLevelLine:
    """The VCA result at one level, as the report states it."""

    name: str
    applied_for: bool
    passed: bool
    failed_must: tuple[str, ...]
    unanswered_must: tuple[str, ...]
    supplementary_passed: int
    supplementary_required: int
    supplementary_total: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class VcaResult:
    checklist: str
    level_applied_for: str | None
    provisional: bool  # the checklist's level mapping is not confirmed
    levels: tuple[VcaLevelLine, ...]


@dataclass(frozen=True)
class TextSection:
    key: str
    label: str
    text: str  # "None." when the lead left it empty


@dataclass(frozen=True)
class SignOff:
    lead_name: str | None
    signed_at: datetime | None
    content_sha256: str | None
    content_matches: bool | None  # does the audit still hash to what was signed?
    auditee_name: str
    acknowledged_at: datetime | None

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True)
class AuditReport:
    cb: CBIdentity
    client: Client
    audit_id: uuid.UUID
    audit_number: str | None
    audit_type_label: str
    integration: str | None  # "Integrated audit of ..." when more than one standard
    criteria: tuple[Criterion, ...]
    criteria_notes: str
    objectives: str
    scope: str
    planned_days: Decimal | None
    remote_use: str
    start_date: date
    end_date: date
    sites: tuple[SiteLine, ...]
    team: tuple[Person, ...]
    meetings: tuple[MeetingLine, ...]
    audit_time: AuditTime
    findings: tuple[FindingEntry, ...]
    item_photos: tuple[ItemPhotos, ...]
    grade_counts: tuple[GradeCount, ...]
    verdict_labels: tuple[str, ...]
    coverage: tuple[CoverageRow, ...]  # one per standard, then the total
    not_applicable: tuple[NotApplicableItem, ...]
    vca: tuple[VcaResult, ...]
    interviewees: tuple[IntervieweeLine, ...]
    records: tuple[RecordLine, ...]
    sections: tuple[TextSection, ...]
    statements: tuple[Statement, ...]
    conclusion: str
    recommendation: Recommendation | None
    recommendation_label: str
    sign_off: SignOff
    disclaimer: str
    decision_statement: str
    generated_at: datetime

    @property
    def nonconformities(self) -> int:
        ncs = (Grade.MAJOR, Grade.MINOR, Grade.DEVIATION)
        return sum(c.count for c in self.grade_counts if c.grade in ncs)

    @property
    def provisional_numbers(self) -> bool:
        return any(f.provisional for f in self.findings)
