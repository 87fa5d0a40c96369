"""Registers of the audit: people interviewed and records sampled."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.registers import (
    delete_register_entry,
    interviewees,
    sampled_records,
    save_interviewee,
    save_sampled_record,
)
from auditkit.field.context import load_workspace
from auditkit.models import Interviewee, SampledRecord

bp = Blueprint("registers", __name__, url_prefix="/audits/<uuid:audit_id>/registers")
KINDS = {
    "interviewees": (Interviewee, save_interviewee),
    "records": (SampledRecord, save_sampled_record),
}
REFUSALS = (Invalid, ReadOnly, SignatureWouldBeVoided)


@bp.get("/")
def index(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Both registers, each with a form to add an entry."""
    return _page(load_workspace(audit_id))


def _page(ws, kind: str = "", values=None, exc=None, editing=None):  # type: ignore[no-untyped-def]
    return render_template(
        "field/registers.html",
        audit=ws.audit,
        people=interviewees(ws),
        records=sampled_records(ws),
        form_kind=kind,
        values=values or {},
        errors=exc.errors if isinstance(exc, Invalid) else {},
        message=str(exc) if exc is not None and not isinstance(exc, Invalid) else "",
        needs_confirm=isinstance(exc, SignatureWouldBeVoided),
        editing=editing,
    ), (200 if exc is None else 422 if isinstance(exc, Invalid) else 409)


def _kind(kind: str):  # type: ignore[no-untyped-def]
    if kind not in KINDS:
        abort(404, description="There is no such register.")
    return KINDS[kind]


def _entry(ws, model, entry_id: uuid.UUID):  # type: ignore[no-untyped-def]
    row = ws.session.get(model, entry_id)
    if row is None or row.audit_id != ws.audit.id:
        abort(404, description="That entry is not part of this audit.")
    return row


@bp.post("/<kind>")
def add(audit_id: uuid.UUID, kind: str):  # type: ignore[no-untyped-def]
    """Add an interviewee or a sampled record."""
    ws = load_workspace(audit_id)
    _, save = _kind(kind)
    try:
        save(ws, request.form, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, kind, request.form, exc)
    return redirect(url_for("registers.index", audit_id=audit_id, _anchor=kind))


@bp.route("/<kind>/<uuid:entry_id>", methods=["GET", "POST"])
def edit(audit_id: uuid.UUID, kind: str, entry_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Change an entry."""
    ws = load_workspace(audit_id)
    model, save = _kind(kind)
    row = _entry(ws, model, entry_id)
    if request.method == "GET":
        values = {c: getattr(row, c) or "" for c in model.__table__.columns.keys()}
        return _page(ws, kind, values, None, editing=row)
    try:
        save(ws, request.form, row, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, kind, request.form, exc, editing=row)
    return redirect(url_for("registers.index", audit_id=audit_id, _anchor=kind))


@bp.post("/<kind>/<uuid:entry_id>/delete")
def delete(audit_id: uuid.UUID, kind: str, entry_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Remove an entry and its links."""
    ws = load_workspace(audit_id)
    model, _ = _kind(kind)
    row = _entry(ws, model, entry_id)
    try:
        delete_register_entry(ws, row, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, kind, {}, exc)
    return redirect(url_for("registers.index", audit_id=audit_id, _anchor=kind))
