"""Findings: graded, tied to clauses of the audit's standards, with their objective evidence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from auditkit import recommendations
from auditkit.capture.answers import ensure_response
from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.models import (
    Finding,
    FindingClause,
    Grade,
    Interviewee,
    Response,
    SampledRecord,
    utcnow,
)
from sync import wire

NONCONFORMITIES = recommendations.NONCONFORMITIES
DETAIL_LIMIT = 40


def allowed_grades(ws: Workspace) -> tuple[Grade, ...]:
    """The grades this audit's findings may have (stage 1 concerns, VCA deviations)."""
    audit = ws.audit
    return recommendations.grades(
        audit.audit_type, vca=audit.covers_vca, management_system=audit.covers_management_system
    )


@dataclass(frozen=True)
class FindingInput:
    grade: Grade
    clause_refs: list[tuple[str, str]]
    requirement: str
    objective_evidence: str
    statement: str
    extent: str
    site_id: uuid.UUID | None
    process: str
    interviewee_ids: list[uuid.UUID]
    sampled_record_ids: list[uuid.UUID]
    item_keys: list[str]
    detail: str = ""  # a list item or paragraph within the clauses, as text ("c)")


def parse_finding(
    ws: Workspace,
    form: FormData,
    *,
    clause_numbers: set[tuple[str, str]],
    item_keys: set[str],
    vca_questions: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> FindingInput:
    """Read the finding form; an NC needs requirement, evidence and statement (17021-1 9.4.5).

    `clause_numbers` are the citable (checklist id, number) pairs; for a VCA checklist these
    are its questions, and a deviation cites exactly one of them (`vca_questions`).
    """
    reader = FormReader(form)
    grade = reader.choice("grade", Grade, required="Choose a grade.")
    if grade is not None and grade not in allowed_grades(ws):
        reader.fail("grade", "This grade is not used in this audit; choose one of those offered.")
    refs: list[tuple[str, str]] = []
    for raw in form.getlist("clause_refs"):
        checklist_id, _, number = raw.partition("|")
        if (checklist_id, number) not in clause_numbers:
            reader.fail("clause_refs", "A selected clause is not part of this audit's standards.")
        elif (checklist_id, number) not in refs:
            refs.append((checklist_id, number))
    if not refs and grade != Grade.POSITIVE:
        reader.fail("clause_refs", "Select at least one clause this finding is raised against.")
    if grade == Grade.DEVIATION and (len(refs) != 1 or refs[0] not in vca_questions):
        reader.fail(
            "clause_refs", "A VCA deviation is raised against exactly one VCA question (e.g. 3.2)."
        )
    elif grade in (Grade.MAJOR, Grade.MINOR) and any(r in vca_questions for r in refs):
        reader.fail(
            "grade", "Against a VCA question, record a deviation (VCA has no major or minor)."
        )
    detail = reader.text("clause_detail", limit=DETAIL_LIMIT)
    nc = grade in NONCONFORMITIES
    # A VCA deviation names its question, which states the requirement.
    needs_requirement = nc and grade != Grade.DEVIATION
    requirement = reader.text(
        "requirement", required="State the requirement." if needs_requirement else ""
    )
    evidence = reader.text(
        "objective_evidence",
        required="Describe the objective evidence: what you saw, with records and dates.",
    )
    statement = reader.text(
        "statement",
        required="State the nonconformity: what is missing or not fulfilled."
        if nc
        else "Describe the finding in a sentence.",
    )
    extent = reader.text("extent", limit=200)
    site_id = reader.optional_uuid("site_id", {s.id for s in ws.audit.sites})
    process = reader.text("process", limit=200)
    interviewees = reader.uuids("interviewee_ids", _ids(ws, Interviewee))
    records = reader.uuids("sampled_record_ids", _ids(ws, SampledRecord))
    keys = [k for k in dict.fromkeys(form.getlist("item_keys")) if k]
    if any(k not in item_keys for k in keys):
        reader.fail("item_keys", "A linked checklist item is not part of this audit.")
    reader.done()
    assert grade is not None
    return FindingInput(
        grade,
        refs,
        requirement,
        evidence,
        statement,
        extent,
        site_id,
        process,
        interviewees,
        records,
        keys,
        detail,
    )


def _ids(ws: Workspace, model: type[Interviewee] | type[SampledRecord]) -> set[uuid.UUID]:
    return set(ws.session.scalars(select(model.id).where(model.audit_id == ws.audit.id)))


def create_finding(ws: Workspace, data: FindingInput, *, confirm_void: bool = False) -> Finding:
    """A new finding with the next provisional number (the server gives the final one)."""
    ws.ensure_editable(confirm_void=confirm_void)
    last = ws.session.scalar(
        select(func.max(Finding.local_number)).where(Finding.audit_id == ws.audit.id)
    )
    finding = Finding(
        id=uuid.uuid4(),
        audit_id=ws.audit.id,
        local_number=(last or 0) + 1,
        created_by_id=ws.user_id,
        version=1,
        grade=data.grade,
    )
    ws.session.add(finding)
    _apply(ws, finding, data)
    ws.session.flush()
    ws.record("finding.create.v1", str(finding.id), None, _wire(finding))
    return finding


def update_finding(
    ws: Workspace, finding: Finding, data: FindingInput, *, confirm_void: bool = False
) -> bool:
    """Apply the changed fields; return False when nothing changed."""
    changes = wire.changes(wire.FINDING, _wire(finding), _wire_input(data))
    if not changes:
        return False
    ws.ensure_editable(confirm_void=confirm_void)
    base = finding.version
    _apply(ws, finding, data)
    finding.version += 1
    ws.session.flush()
    ws.record("finding.update.v1", str(finding.id), base, changes)
    return True


def delete_finding(ws: Workspace, finding: Finding, *, confirm_void: bool = False) -> None:
    """Leave a tombstone: the finding disappears from lists and the report, not from history."""
    ws.ensure_editable(confirm_void=confirm_void)
    base = finding.version
    finding.deleted_at = utcnow()
    finding.version += 1
    ws.record("finding.delete.v1", str(finding.id), base, {})


def _apply(ws: Workspace, finding: Finding, data: FindingInput) -> None:
    finding.grade = data.grade
    finding.requirement = data.requirement
    finding.objective_evidence = data.objective_evidence
    finding.statement = data.statement
    finding.extent = data.extent
    finding.site_id = data.site_id
    finding.process = data.process
    # Reuse rows for clauses kept: replacing them would insert before the old rows are gone.
    existing = {(c.checklist_id, c.clause_number): c for c in finding.clauses}
    clauses = []
    for position, (checklist_id, number) in enumerate(data.clause_refs):
        clause = existing.get((checklist_id, number)) or FindingClause(
            checklist_id=checklist_id, clause_number=number
        )
        clause.position = position
        clause.detail = data.detail
        clauses.append(clause)
    finding.clauses = clauses
    finding.interviewees = [ws.session.get(Interviewee, i) for i in data.interviewee_ids]
    finding.sampled_records = [ws.session.get(SampledRecord, i) for i in data.sampled_record_ids]
    finding.responses = _responses(ws, data.item_keys)


def _responses(ws: Workspace, item_keys: list[str]) -> list[Response]:
    """The items a finding links to; an item not answered yet gets an empty answer row."""
    return [ensure_response(ws, key) for key in item_keys]


def _wire(finding: Finding) -> dict[str, object]:
    """The finding as its mutation payload carries it (sync.wire), with its local number."""
    row = wire.row(wire.FINDING, finding)
    return {"local_number": finding.local_number, **{n: row[n] for n in wire.FINDING.names}}


def _wire_input(data: FindingInput) -> dict[str, object]:
    return {
        "grade": data.grade.value,
        "requirement": data.requirement,
        "objective_evidence": data.objective_evidence,
        "statement": data.statement,
        "extent": data.extent,
        "site_id": str(data.site_id) if data.site_id else None,
        "process": data.process,
        "clause_refs": [[c, n, data.detail] for c, n in data.clause_refs],
        "interviewee_ids": sorted(str(i) for i in data.interviewee_ids),
        "sampled_record_ids": sorted(str(i) for i in data.sampled_record_ids),
        "item_keys": list(data.item_keys),
    }


def active_findings(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Select the findings of an audit that are not deleted, by provisional number."""
    return (
        select(Finding)
        .where(Finding.audit_id == audit_id, Finding.deleted_at.is_(None))
        .order_by(Finding.local_number)
    )


__all__ = [
    "FindingInput",
    "active_findings",
    "create_finding",
    "delete_finding",
    "parse_finding",
    "update_finding",
]
