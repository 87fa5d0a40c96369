"""The audit report (ISO/IEC 17021-1 9.4.8, DOMAIN.md 1.8) as plain data, ready to render.

No Flask here: the field app previews it, the CB server and the auditee portal show it, and the
same HTML becomes a PDF. `build_report` only reads; it never writes or commits.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from auditkit.capture.closure_fields import TEXT_FIELDS, TEXT_LABELS
from auditkit.capture.digest import content_digest
from auditkit.checklists import IntegratedTree, parse_checklist
from auditkit.labels import (
    AUDIT_TYPE_LABELS,
    GRADE_LABELS,
    GRADE_ORDER,
    MEETING_LABELS,
    RECOMMENDATION_LABELS,
    TEAM_ROLE_LABELS,
    VERDICT_LABELS,
)
from auditkit.models import (
    Audit,
    AuditChecklist,
    AuditClosure,
    Finding,
    Grade,
    Interviewee,
    Meeting,
    Photo,
    Recommendation,
    Response,
    SampledRecord,
    User,
    Verdict,
)

_AMENDMENTS: dict[str, str | None] = {}  # content sha256 -> amendment; see _amendment
SECTION_FIELDS = tuple(name for name in TEXT_FIELDS if name != "conclusion")

SAMPLING_DISCLAIMER = (
    "An audit examines a sample of the information, activities, records and people that were "
    "available during the audit; it does not examine everything. Nonconformities may therefore "
    "exist in areas, periods or records that were not sampled. The absence of a finding on a "
    "topic does not mean that the topic conforms in every respect."
)
DECISION_STATEMENT = (
    "The audit team recommends; it does not certify. The decision to grant, maintain, renew, "
    "extend, reduce, suspend or withdraw certification is taken by the certification body, by "
    "people who were not part of the audit team, after a review of this report."
)


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
    representative: Person | None


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
    reference: str  # "ISO 9001:2015 7.1.5.2"
    title: str


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
    photo_count: int

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(c.reference for c in self.clauses)


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
    findings: tuple[FindingEntry, ...]
    grade_counts: tuple[GradeCount, ...]
    verdict_labels: tuple[str, ...]
    coverage: tuple[CoverageRow, ...]  # one per standard, then the total
    not_applicable: tuple[NotApplicableItem, ...]
    interviewees: tuple[IntervieweeLine, ...]
    records: tuple[RecordLine, ...]
    sections: tuple[TextSection, ...]
    conclusion: str
    recommendation: Recommendation | None
    recommendation_label: str
    sign_off: SignOff
    disclaimer: str
    decision_statement: str
    generated_at: datetime

    @property
    def nonconformities(self) -> int:
        return sum(c.count for c in self.grade_counts if c.grade in (Grade.MAJOR, Grade.MINOR))


def build_report(
    session: Session,
    audit_id: uuid.UUID,
    cb: CBIdentity,
    *,
    tree: IntegratedTree,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> AuditReport:
    """Gather the report of one audit; times are shown in `tz` (default: this machine's zone)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise AuditNotFound(f"There is no audit {audit_id}.")
    standards = {c.checklist_id: f"{c.standard}:{c.edition}" for c in audit.checklists}
    criteria = tuple(
        Criterion(c.standard, c.edition, _amendment(c), c.checklist_version)
        for c in audit.checklists
    )
    closure = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit_id)).first()
    recommendation = closure.recommendation if closure else None
    findings = _findings(session, audit, standards, tree)
    counts = Counter(f.grade for f in findings)
    coverage, not_applicable = _coverage(session, audit_id, standards, tree)
    return AuditReport(
        cb=cb,
        client=_client(audit),
        audit_id=audit.id,
        audit_number=audit.number,
        audit_type_label=AUDIT_TYPE_LABELS[audit.audit_type],
        integration=_integration(list(standards.values())),
        criteria=criteria,
        criteria_notes=audit.criteria,
        objectives=audit.objectives,
        scope=audit.scope,
        planned_days=audit.planned_days,
        remote_use=audit.remote_use.strip() or "none",
        start_date=audit.start_date,
        end_date=audit.end_date,
        sites=tuple(
            SiteLine(s.name, _address(s.address, s.city, s.country), s.activities)
            for s in audit.sites
        ),
        team=_team(audit),
        meetings=_meetings(session, audit_id, tz),
        findings=findings,
        grade_counts=tuple(GradeCount(g, GRADE_LABELS[g], counts[g]) for g in GRADE_ORDER),
        verdict_labels=tuple(VERDICT_LABELS.values()),
        coverage=coverage,
        not_applicable=not_applicable,
        interviewees=tuple(
            IntervieweeLine(i.name, i.job_role, i.department)
            for i in _rows(session, Interviewee, audit_id, Interviewee.name)
        ),
        records=tuple(
            RecordLine(r.reference, r.record_type, r.record_date, r.reason)
            for r in _rows(session, SampledRecord, audit_id, SampledRecord.reference)
        ),
        sections=tuple(
            TextSection(name, TEXT_LABELS[name], _text(closure, name) or "None.")
            for name in SECTION_FIELDS
        ),
        conclusion=_text(closure, "conclusion"),
        recommendation=recommendation,
        recommendation_label=RECOMMENDATION_LABELS[recommendation]
        if recommendation
        else "Not yet recorded",
        sign_off=_sign_off(session, closure, tz),
        disclaimer=SAMPLING_DISCLAIMER,
        decision_statement=DECISION_STATEMENT,
        generated_at=(now or datetime.now(UTC)).astimezone(tz),
    )


def _shown(value: datetime | None, tz: tzinfo | None) -> datetime | None:
    """Stored times are UTC (SQLite hands them back naive); show them in `tz`."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz)


def _amendment(pinned: AuditChecklist) -> str | None:
    """The amendment named in the pinned content (e.g. "Amd 1:2024"), or None."""
    # Pinned content never changes and is named by its sha256: parse each version once, and
    # leave the (deferred, large) content column unread when the answer is known.
    key = pinned.content_sha256
    if key not in _AMENDMENTS:
        if len(_AMENDMENTS) >= 64:
            _AMENDMENTS.clear()
        _AMENDMENTS[key] = parse_checklist(pinned.content, "<pinned checklist>").amendment
    return _AMENDMENTS[key]


def _integration(labels: list[str]) -> str | None:
    if len(labels) < 2:
        return None
    return f"Integrated audit of {', '.join(labels[:-1])} and {labels[-1]}"


def _address(*parts: str) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _client(audit: Audit) -> Client:
    org = audit.organisation
    rep = next((c for c in org.contacts if c.is_management_representative), None)
    return Client(
        legal_name=org.legal_name,
        name=org.name,
        address=_address(org.address, org.city, org.country),
        representative=Person(rep.name, rep.job_title) if rep else None,
    )


def _team(audit: Audit) -> tuple[Person, ...]:
    order = list(TEAM_ROLE_LABELS)
    members = sorted(audit.team, key=lambda m: (order.index(m.role), m.user.full_name))
    return tuple(Person(m.user.full_name, TEAM_ROLE_LABELS[m.role]) for m in members)


def _rows(session: Session, model, audit_id: uuid.UUID, order):  # type: ignore[no-untyped-def]
    return session.scalars(select(model).where(model.audit_id == audit_id).order_by(order)).all()


def _meetings(session: Session, audit_id: uuid.UUID, tz: tzinfo | None) -> tuple[MeetingLine, ...]:
    held = {m.kind: m for m in _rows(session, Meeting, audit_id, Meeting.kind)}
    return tuple(_meeting(label, held.get(kind), tz) for kind, label in MEETING_LABELS.items())


def _meeting(label: str, meeting: Meeting | None, tz: tzinfo | None) -> MeetingLine:
    if meeting is None:
        return MeetingLine(label, None, (), "")
    attendees = tuple(Person(a.get("name", ""), a.get("role", "")) for a in meeting.attendees or [])
    return MeetingLine(label, _shown(meeting.held_at, tz), attendees, meeting.notes or "")


def _findings(
    session: Session, audit: Audit, standards: dict[str, str], tree: IntegratedTree
) -> tuple[FindingEntry, ...]:
    rows = session.scalars(
        select(Finding)
        .where(Finding.audit_id == audit.id, Finding.deleted_at.is_(None))
        .options(
            selectinload(Finding.clauses),
            selectinload(Finding.interviewees),
            selectinload(Finding.sampled_records),
        )
    ).all()
    photos = dict(
        session.execute(
            select(Photo.finding_id, func.count())
            .where(Photo.audit_id == audit.id, Photo.deleted_at.is_(None))
            .group_by(Photo.finding_id)
        ).all()
    )
    sites = {s.id: s.name for s in audit.sites}
    rows = sorted(rows, key=lambda f: (GRADE_ORDER.index(f.grade), f.local_number))
    return tuple(
        FindingEntry(
            id=f.id,
            number=f.number or f"P{f.local_number}",
            provisional=f.number is None,
            grade=f.grade,
            grade_label=GRADE_LABELS[f.grade],
            clauses=tuple(
                _cite(c.checklist_id, c.clause_number, standards, tree) for c in f.clauses
            ),
            requirement=f.requirement,
            objective_evidence=f.objective_evidence,
            statement=f.statement,
            extent=f.extent,
            site=sites.get(f.site_id, "") if f.site_id else "",
            process=f.process,
            interviewees=tuple(
                _person_line(i) for i in sorted(f.interviewees, key=lambda i: i.name)
            ),
            records=tuple(
                _record_line(r) for r in sorted(f.sampled_records, key=lambda r: r.reference)
            ),
            photo_count=photos.get(f.id, 0),
        )
        for f in rows
    )


def _cite(
    checklist_id: str, number: str, standards: dict[str, str], tree: IntegratedTree
) -> ClauseCitation:
    node = tree.find(checklist_id, number)
    title = next((r.title for r in node.refs if r.checklist_id == checklist_id), "") if node else ""
    return ClauseCitation(f"{standards.get(checklist_id, checklist_id)} {number}", title)


def _person_line(i: Interviewee) -> str:
    detail = ", ".join(p for p in (i.job_role, i.department) if p)
    return f"{i.name} ({detail})" if detail else i.name


def _record_line(r: SampledRecord) -> str:
    detail = ", ".join(p for p in (r.record_type, r.record_date and r.record_date.isoformat()) if p)
    return f"{r.reference} ({detail})" if detail else r.reference


def _coverage(
    session: Session, audit_id: uuid.UUID, standards: dict[str, str], tree: IntegratedTree
) -> tuple[tuple[CoverageRow, ...], tuple[NotApplicableItem, ...]]:
    answers = {r.item_key: r for r in _rows(session, Response, audit_id, Response.item_key)}
    totals: Counter[str] = Counter()
    tallies: dict[str, Counter[Verdict]] = {c: Counter() for c in (*standards, *tree.checklist_ids)}
    not_applicable = []
    for q in tree.iter_questions():
        totals[q.checklist_id] += 1
        answer = answers.get(q.item_key)
        if answer is None or answer.verdict is None:
            continue
        tallies[q.checklist_id][answer.verdict] += 1
        if answer.verdict == Verdict.NOT_APPLICABLE:
            reference = f"{standards.get(q.checklist_id, q.checklist_id)} {q.clause_number}"
            not_applicable.append(
                NotApplicableItem(reference, q.question.text, answer.justification)
            )
    rows = [_coverage_row(standards.get(c, c), totals[c], tally) for c, tally in tallies.items()]
    if len(rows) != 1:
        rows.append(
            _coverage_row("All standards", totals.total(), sum(tallies.values(), Counter()))
        )
    return tuple(rows), tuple(not_applicable)


def _coverage_row(label: str, total: int, tally: Counter[Verdict]) -> CoverageRow:
    return CoverageRow(label, total, tally.total(), tuple(tally[v] for v in VERDICT_LABELS))


def _text(closure: AuditClosure | None, name: str) -> str:
    return ((getattr(closure, name) or "") if closure else "").strip()


def _sign_off(session: Session, closure: AuditClosure | None, tz: tzinfo | None) -> SignOff:
    if closure is None or closure.signed_at is None:
        return SignOff(None, None, None, None, "", None)
    lead = session.get(User, closure.signed_by_id) if closure.signed_by_id else None
    return SignOff(
        lead_name=lead.full_name if lead else None,
        signed_at=_shown(closure.signed_at, tz),
        content_sha256=closure.signed_content_sha256,
        content_matches=content_digest(session, closure.audit_id) == closure.signed_content_sha256,
        auditee_name=closure.auditee_name,
        acknowledged_at=_shown(closure.auditee_acknowledged_at, tz),
    )
