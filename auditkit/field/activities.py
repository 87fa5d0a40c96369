"""The register of audit activities: actual audit time per auditor, day, site and mode."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.activities import activities, delete_activity, save_activity, summarise
from auditkit.field.context import load_workspace
from auditkit.labels import ACTIVITY_MODE_LABELS
from auditkit.models import AuditActivity

bp = Blueprint("activities", __name__, url_prefix="/audits/<uuid:audit_id>/time")
REFUSALS = (Invalid, ReadOnly, SignatureWouldBeVoided)


@bp.get("/")
def index(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The register with its totals, and a form to add an entry."""
    ws = load_workspace(audit_id)
    return _page(ws, _defaults(ws))


def _defaults(ws) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A new entry starts on the audit's first day, by this laptop's auditor, on site."""
    sites = ws.audit.sites
    return {
        "day": ws.audit.start_date.isoformat(),
        "auditor_id": str(ws.user_id),
        "mode": "on_site",
        "site_id": str(sites[0].id) if len(sites) == 1 else "",
    }


def _page(ws, values, exc=None, editing=None):  # type: ignore[no-untyped-def]
    rows = activities(ws)
    status = 200 if exc is None else 422 if isinstance(exc, Invalid) else 409
    return render_template(
        "field/activities.html",
        audit=ws.audit,
        rows=rows,
        summary=summarise(rows),
        modes=ACTIVITY_MODE_LABELS,
        team={m.user_id: m.user.full_name for m in ws.audit.team},
        sites={s.id: s.name for s in ws.audit.sites},
        values=values,
        errors=exc.errors if isinstance(exc, Invalid) else {},
        message=str(exc) if exc is not None and not isinstance(exc, Invalid) else "",
        needs_confirm=isinstance(exc, SignatureWouldBeVoided),
        editing=editing,
    ), status


def _entry(ws, entry_id: uuid.UUID) -> AuditActivity:  # type: ignore[no-untyped-def]
    row = ws.session.get(AuditActivity, entry_id)
    if row is None or row.audit_id != ws.audit.id:
        abort(404, description="That entry is not part of this audit.")
    return row


@bp.post("/")
def add(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Add an entry."""
    ws = load_workspace(audit_id)
    try:
        save_activity(ws, request.form, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, request.form, exc)
    return redirect(url_for("activities.index", audit_id=audit_id))


@bp.route("/<uuid:entry_id>", methods=["GET", "POST"])
def edit(audit_id: uuid.UUID, entry_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Change an entry."""
    ws = load_workspace(audit_id)
    row = _entry(ws, entry_id)
    if request.method == "GET":
        values = {
            "day": row.day.isoformat(),
            "auditor_id": str(row.auditor_id or ""),
            "mode": row.mode.value,
            "site_id": str(row.site_id or ""),
            "hours": f"{row.hours:g}",
            "activity": row.activity,
            "ict": row.ict,
        }
        return _page(ws, values, editing=row)
    try:
        save_activity(ws, request.form, row, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, request.form, exc, editing=row)
    return redirect(url_for("activities.index", audit_id=audit_id))


@bp.post("/<uuid:entry_id>/delete")
def delete(audit_id: uuid.UUID, entry_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Remove an entry."""
    ws = load_workspace(audit_id)
    row = _entry(ws, entry_id)
    try:
        delete_activity(ws, row, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        return _page(ws, _defaults(ws), exc)
    return redirect(url_for("activities.index", audit_id=audit_id))
