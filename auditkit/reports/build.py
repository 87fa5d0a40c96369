"""Gathering the audit report of one audit from the database (see auditkit.reports)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditkit import recommendations
from auditkit.capture.closure_fields import SECTION_TEXTS, TEXT_LABELS
from auditkit.capture.digest import content_digest
from auditkit.checklists import IntegratedTree, parse_checklist
from auditkit.labels import (
    AUDIT_TYPE_LABELS,
    GRADE_LABELS,
    GRADE_ORDER,
    MEETING_LABELS,
    TEAM_ROLE_LABELS,
    VERDICT_LABELS,
)
from auditkit.models import (
    Audit,
    AuditChecklist,
    AuditClosure,
    AuditType,
    Finding,
    Grade,
    Interviewee,
    Meeting,
    Response,
    SampledRecord,
    User,
    Verdict,
)
from auditkit.models.audits import VCA_STANDARD
from auditkit.reports import sections
from auditkit.reports.model import (
    AuditNotFound,
    AuditReport,
    CBIdentity,
    ClauseCitation,
    Client,
    CoverageRow,
    Criterion,
    FindingEntry,
    GradeCount,
    IntervieweeLine,
    MeetingLine,
    NotApplicableItem,
    Person,
    PhotoLine,
    RecordLine,
    SignOff,
    SiteLine,
    TextSection,
)

_AMENDMENTS: dict[str, str | None] = {}  # content sha256 -> amendment; see _amendment
SECTION_FIELDS = tuple(name for name in SECTION_TEXTS if name != "conclusion")

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
    photos = sections.shown_photos(session, audit_id)
    findings = _findings(session, audit, standards, tree, sections.photos_by_finding(photos))
    counts = Counter(f.grade for f in findings)
    coverage, not_applicable = _coverage(session, audit_id, standards, tree)
    graded = recommendations.grades(
        audit.audit_type, vca=audit.covers_vca, management_system=audit.covers_management_system
    )
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
        audit_time=sections.audit_time(session, audit),
        findings=findings,
        item_photos=sections.item_photos(session, photos, tree, standards),
        grade_counts=tuple(
            GradeCount(g, GRADE_LABELS[g], counts[g])
            for g in GRADE_ORDER
            if g in graded or counts[g]
        ),
        verdict_labels=tuple(VERDICT_LABELS.values()),
        coverage=coverage,
        not_applicable=not_applicable,
        vca=sections.vca_results(session, audit),
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
        statements=sections.statements(closure),
        conclusion=_text(closure, "conclusion"),
        recommendation=recommendation,
        recommendation_label=recommendations.label(audit.audit_type, recommendation),
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
    session: Session,
    audit: Audit,
    standards: dict[str, str],
    tree: IntegratedTree,
    photos: dict[uuid.UUID, tuple[PhotoLine, ...]],
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
    sites = {s.id: s.name for s in audit.sites}
    vca_ids = {c.checklist_id for c in audit.checklists if c.standard == VCA_STANDARD}
    questions = {(q.checklist_id, q.question.id): q.question.text for q in tree.iter_questions()}
    # A deviation found at an interim (surveillance) audit is corrected within 3 months.
    interim_due = (
        sections.add_months(audit.end_date, sections.INTERIM_CORRECTION_MONTHS)
        if vca_ids and audit.audit_type == AuditType.SURVEILLANCE
        else None
    )
    rows = sorted(rows, key=lambda f: (GRADE_ORDER.index(f.grade), f.local_number))
    return tuple(
        FindingEntry(
            id=f.id,
            number=f.number or f"P{f.local_number}",
            provisional=f.number is None,
            grade=f.grade,
            grade_label=GRADE_LABELS[f.grade],
            clauses=tuple(_cite(c, standards, tree, vca_ids, questions) for c in f.clauses),
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
            photos=photos.get(f.id, ()),
            correction_due=interim_due if f.grade == Grade.DEVIATION else None,
        )
        for f in rows
    )


def _cite(clause, standards, tree, vca_ids, questions) -> ClauseCitation:  # type: ignore[no-untyped-def]
    """ "ISO 9001:2015 9.2.2 c)" with its short title; a VCA question with its text."""
    checklist_id, number = clause.checklist_id, clause.clause_number
    reference = f"{standards.get(checklist_id, checklist_id)} {number}"
    if clause.detail:
        reference += f" {clause.detail}"
    if checklist_id in vca_ids:
        return ClauseCitation(reference, questions.get((checklist_id, number), ""))
    node = tree.find(checklist_id, number)
    title = next((r.title for r in node.refs if r.checklist_id == checklist_id), "") if node else ""
    return ClauseCitation(reference, title)


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
    """The signature, checked against the content with the digest version it was made with."""
    if closure is None or closure.signed_at is None:
        return SignOff(None, None, None, None, "", None)
    lead = session.get(User, closure.signed_by_id) if closure.signed_by_id else None
    return SignOff(
        lead_name=lead.full_name if lead else None,
        signed_at=_shown(closure.signed_at, tz),
        content_sha256=closure.signed_content_sha256,
        content_matches=content_digest(session, closure.audit_id, closure.digest_version or 1)
        == closure.signed_content_sha256,
        auditee_name=closure.auditee_name,
        acknowledged_at=_shown(closure.auditee_acknowledged_at, tz),
    )
