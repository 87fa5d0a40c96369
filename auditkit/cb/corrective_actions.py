"""The CB's side of corrective actions, on the audit's page: the lead auditor or a reviewer
judges each plan, verifies the evidence (or on site, or a minor at the next audit) and closes
the nonconformity, or reopens it; each step tells the client's contacts by mail."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for

from auditkit import corrective_actions as capa
from auditkit.access import Action
from auditkit.cb.auth import allowed, requires, server_work, visible
from auditkit.cb.planning import audit_page
from auditkit.corrective_actions import extensions
from auditkit.models import Audit, CorrectiveAction, DeadlineExtension, EvidenceFile, Finding
from auditkit.portal import notices, records
from auditkit.web.database import db_session
from auditkit.web.evidence_store import evidence_store
from auditkit.web.mail import mailer

bp = Blueprint("capa", __name__, url_prefix="/audits/<uuid:audit_id>")


def _action(audit_id: uuid.UUID, ca_id: uuid.UUID) -> tuple[Audit, CorrectiveAction, Finding]:
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    allowed(Action.EVALUATE_CORRECTIVE_ACTIONS, audit)
    ca = db_session().get(CorrectiveAction, ca_id)
    if ca is None or ca.audit_id != audit.id:
        abort(404, description="This audit has no such corrective action.")
    finding = db_session().get(Finding, ca.finding_id)
    assert finding is not None
    return audit, ca, finding


def _done(audit: Audit, ca: CorrectiveAction, message: str):  # type: ignore[no-untyped-def]
    db_session().commit()
    flash(message)
    return redirect(url_for("planning.audit", audit_id=audit.id) + f"#capa-{ca.id}")


def _refused(audit: Audit, ca: CorrectiveAction, exc: capa.CapaRefused):  # type: ignore[no-untyped-def]
    db_session().rollback()
    values: dict[str, Any] = {f"capa-{ca.id}-{k}": v for k, v in request.form.items()}
    errors = {f"capa-{ca.id}-{exc.field}": exc.message, f"capa-{ca.id}": exc.message}
    return audit_page(
        audit,
        errors=errors,
        values=values,
        status=409 if isinstance(exc, capa.CapaConflict) else 422,
    )


def _revision() -> int:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        abort(400, description="Name the revision you judged.")


@bp.post("/corrective-actions/<uuid:ca_id>/judge")
@requires(Action.VIEW_DASHBOARD)
def judge(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    audit, ca, finding = _action(audit_id, ca_id)
    accept = request.form.get("verdict") == "accept"
    reason = request.form.get("reason", "")
    try:
        capa.judge_plan(server_work(), ca, _revision(), accept=accept, reason=reason)
    except capa.CapaRefused as exc:
        return _refused(audit, ca, exc)
    kind = "plan_accepted" if accept else "plan_rejected"
    notices.judged(db_session(), mailer(), kind, audit, finding, ca, reason=reason.strip(),
                   by=server_work().actor.name)  # fmt: skip
    return _done(audit, ca, "The plan is accepted." if accept else "The plan is sent back.")


@bp.post("/corrective-actions/<uuid:ca_id>/verify")
@requires(Action.VIEW_DASHBOARD)
def verify(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    audit, ca, finding = _action(audit_id, ca_id)
    method = request.form.get("method", "")
    try:
        revision = _revision() if method == "document_review" else None
        capa.verify(server_work(), ca, finding, method=method,
                    note=request.form.get("note", ""), revision=revision)  # fmt: skip
    except capa.CapaRefused as exc:
        return _refused(audit, ca, exc)
    notices.judged(db_session(), mailer(), "nc_closed", audit, finding, ca,
                   by=server_work().actor.name)  # fmt: skip
    return _done(audit, ca, "The nonconformity is verified and closed.")


@bp.post("/corrective-actions/<uuid:ca_id>/refuse-evidence")
@requires(Action.VIEW_DASHBOARD)
def refuse_evidence(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    audit, ca, finding = _action(audit_id, ca_id)
    reason = request.form.get("reason", "")
    try:
        capa.refuse_evidence(server_work(), ca, _revision(), reason)
    except capa.CapaRefused as exc:
        return _refused(audit, ca, exc)
    notices.judged(db_session(), mailer(), "nc_reopened", audit, finding, ca,
                   reason=reason.strip(), by=server_work().actor.name)  # fmt: skip
    return _done(audit, ca, "The client is asked for more evidence.")


@bp.post("/corrective-actions/<uuid:ca_id>/reopen")
@requires(Action.VIEW_DASHBOARD)
def reopen(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    audit, ca, finding = _action(audit_id, ca_id)
    reason = request.form.get("reason", "")
    try:
        capa.reopen(server_work(), ca, reason)
    except capa.CapaRefused as exc:
        return _refused(audit, ca, exc)
    notices.judged(db_session(), mailer(), "nc_reopened", audit, finding, ca,
                   reason=reason.strip(), by=server_work().actor.name)  # fmt: skip
    return _done(audit, ca, "The nonconformity is reopened.")


@bp.get("/evidence-files/<uuid:file_id>")
@requires(Action.VIEW_DASHBOARD)
def evidence_file(audit_id: uuid.UUID, file_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """An evidence file the client sent for one of this audit's nonconformities."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    row = db_session().get(EvidenceFile, file_id)
    if row is None or row.revision.corrective_action.audit_id != audit.id:
        abort(404, description="This audit has no such evidence file.")
    return send_file(
        evidence_store().path(row.sha256),
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.filename,
    )


@bp.app_template_global("corrective_actions_of")
def corrective_actions_of(audit: Audit) -> list[tuple[Finding, CorrectiveAction | None]]:
    """The audit's nonconformities with their corrective actions, in number order."""
    from sqlalchemy import select

    findings = db_session().scalars(
        select(Finding)
        .where(Finding.audit_id == audit.id, Finding.deleted_at.is_(None))
        .order_by(Finding.local_number)
    )
    actions = {
        ca.finding_id: ca
        for ca in db_session().scalars(
            select(CorrectiveAction).where(CorrectiveAction.audit_id == audit.id)
        )
    }
    return [(f, actions.get(f.id)) for f in findings if capa.is_nonconformity(f)]


@bp.app_template_global("method_label")
def method_label(method: str) -> str:
    return capa.METHOD_LABELS.get(method, method)  # type: ignore[call-overload, no-any-return]


@bp.app_template_global("capa_status_label")
def capa_status_label(ca: CorrectiveAction | None) -> str:
    return capa.STATUS_LABELS[ca.status] if ca else "No answer yet"


@bp.app_template_global("evidence_with_plan")
def evidence_with_plan(ca: CorrectiveAction) -> bool:
    return capa.evidence_with_plan(ca)


@bp.post("/extensions/<uuid:extension_id>/decide")
@requires(Action.VIEW_DASHBOARD)
def decide_extension(audit_id: uuid.UUID, extension_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Grant or refuse a client's request for more time to answer."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    allowed(Action.EVALUATE_CORRECTIVE_ACTIONS, audit)
    row = db_session().get(DeadlineExtension, extension_id)
    finding = db_session().get(Finding, row.finding_id) if row else None
    if row is None or finding is None or finding.audit_id != audit.id:
        abort(404, description="This audit has no such request.")
    grant = request.form.get("verdict") == "grant"
    reason = request.form.get("reason", "")
    try:
        extensions.decide(server_work(), row, grant=grant, reason=reason)
    except capa.CapaRefused as exc:
        db_session().rollback()
        key = f"extension-{row.id}"
        return audit_page(audit, errors={key: exc.message}, values={f"{key}-reason": reason},
                          status=422)  # fmt: skip
    notices.extension_decided(db_session(), mailer(), audit, finding, row)
    db_session().commit()
    flash("The request is granted." if grant else "The request is refused.")
    return redirect(url_for("planning.audit", audit_id=audit.id) + "#corrective-actions")


@bp.app_template_global("capa_overview")
def capa_overview(audit: Audit) -> list[Any]:
    """The audit's nonconformities with deadlines, status and open requests for more time."""
    rows = records.nonconformities(db_session(), audit.organisation_id)
    return [
        (nc, extensions.open_request(db_session(), nc.finding))
        for nc in rows
        if nc.audit.id == audit.id
    ]
