"""Closing: the closing meeting, findings summary, recommendation, sign-off, acknowledgement."""

from __future__ import annotations

import uuid
from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.closure import acknowledge, get_closure, is_lead, save_conclusion, sign_off
from auditkit.capture.closure_fields import TEXT_LABELS
from auditkit.capture.digest import content_digest
from auditkit.capture.findings import active_findings
from auditkit.capture.submission import submission_queued, submit_audit
from auditkit.field.autosave import run_autosave
from auditkit.field.context import load_workspace
from auditkit.field.meetings import meeting_form
from auditkit.labels import RECOMMENDATION_LABELS
from auditkit.models import MeetingKind

bp = Blueprint("closing", __name__, url_prefix="/audits/<uuid:audit_id>/closing")

RECOMMENDATIONS = list(RECOMMENDATION_LABELS.items())


@bp.get("/")
def show(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Everything needed to close the audit on one page."""
    ws = load_workspace(audit_id)
    return _page(ws)


def _page(ws, errors=None, status=200):  # type: ignore[no-untyped-def]
    findings = ws.session.scalars(active_findings(ws.audit.id)).all()
    closure = get_closure(ws)
    signed_digest = closure.signed_content_sha256
    current_digest = content_digest(ws.session, ws.audit.id)
    return render_template(
        "field/closing.html",
        audit=ws.audit,
        findings=findings,
        by_grade=Counter(f.grade.value for f in findings),
        closure=closure,
        recommendations=RECOMMENDATIONS,
        is_lead=is_lead(ws),
        current_digest=current_digest,
        digest_matches=signed_digest == current_digest if signed_digest else None,
        errors=errors or {},
        text_labels=TEXT_LABELS,
        submission_queued=submission_queued(ws),
        meeting_form=meeting_form(ws, MeetingKind.CLOSING),
    ), status


@bp.post("/conclusion")
def conclusion(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Autosave the recommendation and conclusion."""
    ws = load_workspace(audit_id)
    form = request.form
    status, state = run_autosave(
        ws, lambda: save_conclusion(ws, form, confirm_void=form.get("confirm_void") == "1")
    )
    return render_template("field/_save_state.html", dom="conclusion", **state), status


@bp.post("/sign")
def sign(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The lead auditor signs off."""
    ws = load_workspace(audit_id)
    try:
        sign_off(ws)
        ws.session.commit()
    except Invalid as exc:
        ws.session.rollback()
        return _page(ws, exc.errors, 422)
    except ReadOnly as exc:
        ws.session.rollback()
        return _page(ws, {"sign": str(exc)}, 409)
    flash("Signed off. The content of the audit at this moment is sealed with its sha256.")
    return redirect(url_for("closing.show", audit_id=audit_id))


@bp.post("/submit")
def submit(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The lead queues the submission to the CB (sent, in order, at the next sync)."""
    ws = load_workspace(audit_id)
    try:
        submit_audit(ws)
        ws.session.commit()
    except Invalid as exc:
        ws.session.rollback()
        return _page(ws, exc.errors, 422)
    except ReadOnly as exc:
        ws.session.rollback()
        return _page(ws, {"submit": str(exc)}, 409)
    flash("Submission queued: it reaches the CB at the next sync, after your other changes.")
    return redirect(url_for("closing.show", audit_id=audit_id))


@bp.post("/acknowledge")
def acknowledged(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The auditee's representative acknowledges the signed audit."""
    ws = load_workspace(audit_id)
    try:
        acknowledge(ws, request.form)
        ws.session.commit()
    except (Invalid, ReadOnly, SignatureWouldBeVoided) as exc:
        ws.session.rollback()
        errors = exc.errors if isinstance(exc, Invalid) else {"auditee_name": str(exc)}
        return _page(ws, errors, 422 if isinstance(exc, Invalid) else 409)
    flash("Acknowledgement recorded.")
    return redirect(url_for("closing.show", audit_id=audit_id))
