"""Findings: list with filters, raise (from an item or on their own), edit, delete."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.findings import (
    active_findings,
    allowed_grades,
    create_finding,
    delete_finding,
    parse_finding,
    update_finding,
)
from auditkit.capture.registers import interviewees, sampled_records
from auditkit.field.context import checklist_tree, load_workspace
from auditkit.labels import GRADE_LABELS
from auditkit.models import Finding, FindingClause, Grade, Photo
from auditkit.models.audits import VCA_STANDARD

bp = Blueprint("findings", __name__, url_prefix="/audits/<uuid:audit_id>/findings")

GRADES = list(GRADE_LABELS.items())


def _grades(ws) -> list[tuple[Grade, str]]:  # type: ignore[no-untyped-def]
    return [(g, GRADE_LABELS[g]) for g in allowed_grades(ws)]


@bp.get("/")
def index(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit's findings, filtered by grade, clause or site."""
    ws = load_workspace(audit_id)
    query = active_findings(audit_id)
    grade = request.args.get("grade", "")
    if grade in {g.value for g, _ in GRADES}:
        query = query.where(Finding.grade == Grade(grade))
    clause = request.args.get("clause", "")
    if clause:
        checklist_id, _, number = clause.partition("|")
        query = query.where(
            Finding.clauses.any(
                (FindingClause.checklist_id == checklist_id)
                & (FindingClause.clause_number == number)
            )
        )
    site = request.args.get("site", "")
    if site:
        try:
            query = query.where(Finding.site_id == uuid.UUID(site))
        except ValueError:
            site = ""
    findings = ws.session.scalars(query).all()
    return render_template(
        "field/findings.html",
        audit=ws.audit,
        findings=findings,
        grades=GRADES,
        clause_options=_clause_options(ws.audit),
        chosen={"grade": grade, "clause": clause, "site": site},
        sites={s.id: s for s in ws.audit.sites},
    )


def _vca_ids(audit) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.checklist_id for c in audit.checklists if c.standard == VCA_STANDARD}


def _clause_options(audit) -> list[tuple[str, str, list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    """Per standard (id, heading), everything a finding can cite as (value, label).

    Clauses of a management-system standard, untitled paragraphs included ("9.2.2"); for a
    VCA checklist its questions, since a deviation is raised against one question.
    """
    tree = checklist_tree(audit)
    vca = _vca_ids(audit)
    headings = {c.checklist_id: f"{c.standard}:{c.edition}" for c in audit.checklists}
    groups: dict[str, list[tuple[str, str]]] = {cid: [] for cid in tree.checklist_ids}
    for node in tree.iter_nodes():
        for ref in node.refs:
            if ref.checklist_id not in vca:
                label = ref.label
                groups[ref.checklist_id].append((f"{ref.checklist_id}|{ref.number}", label))
    for q in tree.iter_questions():
        if q.checklist_id in vca:
            text = q.question.text if len(q.question.text) <= 90 else q.question.text[:88] + "…"
            groups[q.checklist_id].append(
                (f"{q.checklist_id}|{q.question.id}", f"{q.question.id} {text}")
            )
    return [(cid, headings.get(cid, cid), options) for cid, options in groups.items()]


def _vca_questions(audit) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    vca = _vca_ids(audit)
    return {
        (q.checklist_id, q.question.id)
        for q in checklist_tree(audit).iter_questions()
        if q.checklist_id in vca
    }


def _item_keys(audit) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        q.item_key: f"{q.checklist_id} {q.question.id}: {q.question.text}"
        for q in checklist_tree(audit).iter_questions()
    }


def _item_groups(audit) -> list[tuple[str, list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    """The checklist items by standard, for the item picker."""
    headings = {c.checklist_id: f"{c.standard}:{c.edition}" for c in audit.checklists}
    groups: dict[str, list[tuple[str, str]]] = {}
    for q in checklist_tree(audit).iter_questions():
        groups.setdefault(q.checklist_id, []).append(
            (q.item_key, f"{q.question.id} {q.question.text}")
        )
    return [(headings.get(cid, cid), items) for cid, items in groups.items()]


@bp.route("/new", methods=["GET", "POST"])
def new(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Raise a finding; from an item, its clauses and the item come pre-selected."""
    ws = load_workspace(audit_id)
    form = request.form
    if request.method == "GET":
        form = _defaults_from_item(ws.audit, request.args.get("item", ""))
    else:
        try:
            finding = create_finding(
                ws, _parse(ws, form), confirm_void=form.get("confirm_void") == "1"
            )
            ws.session.commit()
            return redirect(
                url_for("findings.edit", audit_id=audit_id, finding_id=finding.id, created=1)
            )
        except (Invalid, SignatureWouldBeVoided, ReadOnly) as exc:
            ws.session.rollback()
            return _form(ws, None, form, exc)
    return _form(ws, None, form, None)


def _defaults_from_item(audit, item_key: str) -> MultiDict:  # type: ignore[no-untyped-def]
    values: MultiDict = MultiDict()
    tree = checklist_tree(audit)
    vca = _vca_ids(audit)
    for node in tree.iter_nodes():
        question = next((q for q in node.iter_questions() if q.item_key == item_key), None)
        if question is None:
            continue
        values.add("item_keys", item_key)
        if question.checklist_id in vca:  # a deviation against this one question
            values.add("clause_refs", f"{question.checklist_id}|{question.question.id}")
            values["grade"] = "deviation"
        else:
            for ref in node.refs:
                if ref.checklist_id not in vca:
                    values.add("clause_refs", f"{ref.checklist_id}|{ref.number}")
            values["grade"] = "concern" if audit.audit_type.value == "stage1" else "minor"
        break
    return values


def _parse(ws, form):  # type: ignore[no-untyped-def]
    clause_numbers = {
        tuple(value.split("|", 1))
        for _, _, options in _clause_options(ws.audit)
        for value, _ in options
    }
    return parse_finding(
        ws,
        form,
        clause_numbers=clause_numbers,  # type: ignore[arg-type]
        item_keys=set(_item_keys(ws.audit)),
        vca_questions=_vca_questions(ws.audit),
    )


def _own(ws, finding_id: uuid.UUID) -> Finding:  # type: ignore[no-untyped-def]
    finding = ws.session.get(Finding, finding_id)
    if finding is None or finding.audit_id != ws.audit.id or finding.deleted_at is not None:
        abort(404, description="That finding is not part of this audit (or was deleted).")
    return finding


@bp.route("/<uuid:finding_id>", methods=["GET", "POST"])
def edit(audit_id: uuid.UUID, finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Edit a finding; its photos are managed on the same page."""
    ws = load_workspace(audit_id)
    finding = _own(ws, finding_id)
    if request.method == "POST":
        try:
            changed = update_finding(
                ws,
                finding,
                _parse(ws, request.form),
                confirm_void=request.form.get("confirm_void") == "1",
            )
            ws.session.commit()
            return redirect(
                url_for(
                    "findings.edit",
                    audit_id=audit_id,
                    finding_id=finding_id,
                    saved=1 if changed else 0,
                )
            )
        except (Invalid, SignatureWouldBeVoided, ReadOnly) as exc:
            ws.session.rollback()
            return _form(ws, finding, request.form, exc)
    return _form(ws, finding, _values(finding), None)


@bp.post("/<uuid:finding_id>/delete")
def delete(audit_id: uuid.UUID, finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Delete a finding (it stays as a tombstone for sync and history)."""
    ws = load_workspace(audit_id)
    finding = _own(ws, finding_id)
    try:
        delete_finding(ws, finding, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except (SignatureWouldBeVoided, ReadOnly) as exc:
        ws.session.rollback()
        return _form(ws, finding, _values(finding), exc)
    return redirect(url_for("findings.index", audit_id=audit_id))


def _values(finding: Finding) -> MultiDict:
    values: MultiDict = MultiDict(
        {
            "grade": finding.grade.value,
            "requirement": finding.requirement,
            "objective_evidence": finding.objective_evidence,
            "statement": finding.statement,
            "extent": finding.extent,
            "site_id": str(finding.site_id) if finding.site_id else "",
            "process": finding.process,
            "clause_detail": next((c.detail for c in finding.clauses if c.detail), ""),
        }
    )
    for c in finding.clauses:
        values.add("clause_refs", f"{c.checklist_id}|{c.clause_number}")
    for i in finding.interviewees:
        values.add("interviewee_ids", str(i.id))
    for r in finding.sampled_records:
        values.add("sampled_record_ids", str(r.id))
    for r in finding.responses:
        values.add("item_keys", r.item_key)
    return values


def _form(ws, finding, values, exc):  # type: ignore[no-untyped-def]
    errors = exc.errors if isinstance(exc, Invalid) else {}
    message = str(exc) if exc is not None and not isinstance(exc, Invalid) else ""
    photos = []
    if finding is not None:
        photos = ws.session.scalars(
            select(Photo)
            .where(Photo.finding_id == finding.id, Photo.deleted_at.is_(None))
            .order_by(Photo.created_at)
        ).all()
    status = 200 if exc is None else (422 if errors else 409)
    return render_template(
        "field/finding_form.html",
        audit=ws.audit,
        finding=finding,
        values=values,
        errors=errors,
        message=message,
        needs_confirm=isinstance(exc, SignatureWouldBeVoided),
        grades=_grades(ws),
        clause_options=_clause_options(ws.audit),
        item_groups=_item_groups(ws.audit),
        interviewees=interviewees(ws),
        records=sampled_records(ws),
        photos=photos,
        signed=ws.is_signed(),
        saved=request.args.get("saved") == "1",
        created=request.args.get("created") == "1",
    ), status
