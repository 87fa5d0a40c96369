"""Closing: the closing meeting, findings summary, recommendation and statements, what is
still missing, sign-off, acknowledgement and submission."""

from __future__ import annotations

import uuid
from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for

from auditkit import recommendations
from auditkit.capture import Incomplete, Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture import completeness as completeness_check
from auditkit.capture.closure import (
    acknowledge,
    get_closure,
    is_lead,
    save_conclusion,
    sign_off,
    signature_matches,
)
from auditkit.capture.closure_fields import (
    CHOICE_FIELDS,
    CHOICE_LABELS,
    SECTION_TEXTS,
    TEXT_LABELS,
)
from auditkit.capture.digest import content_digest
from auditkit.capture.findings import active_findings
from auditkit.capture.submission import submission_queued, submit_audit
from auditkit.field.autosave import run_autosave
from auditkit.field.context import checklist_tree, load_workspace
from auditkit.field.meetings import meeting_form
from auditkit.field.missing_photos import for_audit
from auditkit.labels import CHOICE_VALUE_LABELS
from auditkit.models import MeetingKind
from auditkit.reports.sections import vca_results

bp = Blueprint("closing", __name__, url_prefix="/audits/<uuid:audit_id>/closing")


@bp.get("/")
def show(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Everything needed to close the audit on one page."""
    ws = load_workspace(audit_id)
    return _page(ws)


def _page(ws, errors=None, status=200, asked=None):  # type: ignore[no-untyped-def]
    """The page; `asked` names the step (sign, submit) that stopped to ask about gaps."""
    findings = ws.session.scalars(active_findings(ws.audit.id)).all()
    closure = get_closure(ws)
    found = completeness_check.check(ws, checklist_tree(ws.audit))
    return render_template(
        "field/closing.html",
        audit=ws.audit,
        findings=findings,
        by_grade=Counter(f.grade.value for f in findings),
        closure=closure,
        recommendations=list(recommendations.choices(ws.audit.audit_type).items()),
        is_lead=is_lead(ws),
        current_digest=content_digest(ws.session, ws.audit.id),
        digest_matches=signature_matches(ws, closure),
        errors=errors or {},
        section_names=SECTION_TEXTS,
        text_labels=TEXT_LABELS,
        choice_fields=list(CHOICE_FIELDS),
        choice_labels=CHOICE_LABELS,
        choice_values={name: list(enum) for name, enum in CHOICE_FIELDS.items()},
        choice_value_labels=CHOICE_VALUE_LABELS,
        completeness=found,
        missing=for_audit(ws.audit, found.missing_photos, closure.signed_at is not None),
        vca=vca_results(ws.session, ws.audit),
        asked=asked,
        submission_queued=submission_queued(ws),
        meeting_form=meeting_form(ws, MeetingKind.CLOSING),
    ), status


@bp.post("/conclusion")
def conclusion(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Autosave the recommendation, the statements and the report sections."""
    ws = load_workspace(audit_id)
    form = request.form
    status, state = run_autosave(
        ws, lambda: save_conclusion(ws, form, confirm_void=form.get("confirm_void") == "1")
    )
    findings = ws.session.scalars(active_findings(ws.audit.id)).all()
    problem = recommendations.problem(
        ws.audit.audit_type, get_closure(ws).recommendation, (f.grade for f in findings)
    )
    return render_template(
        "field/_conclusion_state.html", dom="conclusion", problem=problem, **state
    ), status


@bp.post("/sign")
def sign(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The lead auditor signs off (after confirming any gaps shown)."""
    ws = load_workspace(audit_id)
    try:
        sign_off(ws, checklist_tree(ws.audit), accept_gaps=request.form.get("accept_gaps") == "1")
        ws.session.commit()
    except Incomplete:
        ws.session.rollback()
        return _page(ws, {}, 409, asked="sign")
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
        submit_audit(
            ws, checklist_tree(ws.audit), accept_gaps=request.form.get("accept_gaps") == "1"
        )
        ws.session.commit()
    except Incomplete:
        ws.session.rollback()
        return _page(ws, {}, 409, asked="submit")
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
