"""The audit's corrective actions on the laptop: the client's answers and evidence as synced,
and the lead's judgement of each, queued for the next sync (auditkit.capture.corrective_actions)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select

from auditkit.capture import Invalid, ReadOnly
from auditkit.capture import corrective_actions as judging
from auditkit.capture.workspace import Workspace
from auditkit.corrective_actions import (
    METHOD_LABELS,
    STATUS_LABELS,
    evidence_with_plan,
    is_nonconformity,
)
from auditkit.evidence_files import EvidenceStore
from auditkit.field.context import load_workspace
from auditkit.models import CorrectiveAction, EvidenceFile, Finding
from auditkit.web.database import db_session

bp = Blueprint("capa", __name__, url_prefix="/audits/<uuid:audit_id>/corrective-actions")


def store() -> EvidenceStore:
    return EvidenceStore(Path(current_app.config["DATA_DIR"]) / "evidence")


def page(ws: Workspace, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    session = db_session()
    actions = {
        ca.finding_id: ca
        for ca in session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.audit_id == ws.audit.id)
        )
    }
    findings = [
        f
        for f in session.scalars(
            select(Finding)
            .where(Finding.audit_id == ws.audit.id, Finding.deleted_at.is_(None))
            .order_by(Finding.local_number)
        )
        if is_nonconformity(f) and (f.id in actions or str(f.id) in ws.audit.capa_deadlines)
    ]
    html = render_template(
        "field/corrective_actions.html",
        audit=ws.audit,
        tab="capa",
        rows=[(f, actions.get(f.id), _due(ws, f)) for f in findings],
        lead=judging.is_lead(ws),
        pending=judging.pending(ws),
        refusals=judging.refusals(ws),
        have=store().exists,
        evidence_with_plan=evidence_with_plan,
        status_labels=STATUS_LABELS,
        method_labels=METHOD_LABELS,
        errors=errors or {},
        values=values or {},
    )
    return html, status


def _due(ws: Workspace, finding: Finding) -> dict[str, object]:
    """The finding's deadlines as the server sent them, and which have passed."""
    sent = ws.audit.capa_deadlines.get(str(finding.id)) or {}
    today = date.today()
    answer = date.fromisoformat(sent["answer"]) if sent.get("answer") else None
    verify = date.fromisoformat(sent["verify"]) if sent.get("verify") else None
    return {"answer": answer, "verify": verify, "today": today}


@bp.get("/")
def index(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return page(load_workspace(audit_id))


def _revision() -> int:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        abort(400, description="Name the revision you judged.")


def _queued(ws: Workspace, ca_id: uuid.UUID, action):  # type: ignore[no-untyped-def]
    try:
        action()
    except Invalid as exc:
        db_session().rollback()
        values = {f"{k}-{ca_id}": v for k, v in request.form.items()}
        return page(ws, errors=exc.errors, values=values, status=422)
    except ReadOnly as exc:
        db_session().rollback()
        return page(ws, errors={f"capa-{ca_id}": str(exc)}, status=409)
    db_session().commit()
    return redirect(url_for("capa.index", audit_id=ws.audit.id) + f"#capa-{ca_id}")


@bp.post("/<uuid:ca_id>/judge")
def judge(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    ws = load_workspace(audit_id)
    accept = request.form.get("verdict") == "accept"
    return _queued(
        ws,
        ca_id,
        lambda: judging.judge_plan(
            ws, ca_id, _revision(), accept=accept, reason=request.form.get("reason", "")
        ),
    )


@bp.post("/<uuid:ca_id>/verify")
def verify(audit_id: uuid.UUID, ca_id: uuid.UUID):  # type: ignore[no-untyped-def]
    ws = load_workspace(audit_id)
    return _queued(
        ws,
        ca_id,
        lambda: judging.verify(
            ws, ca_id, _revision(), method=request.form.get("method", ""),
            note=request.form.get("note", ""),
        ),
    )  # fmt: skip


@bp.get("/evidence/<uuid:file_id>")
def evidence(audit_id: uuid.UUID, file_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """An evidence file as synced to this laptop (404 until its bytes have arrived)."""
    ws = load_workspace(audit_id)
    row = db_session().get(EvidenceFile, file_id)
    if row is None or row.revision.corrective_action.audit_id != ws.audit.id:
        abort(404, description="This audit has no such evidence file.")
    if not store().exists(row.sha256):
        abort(404, description="This file has not reached this laptop yet: sync first.")
    return send_file(
        store().path(row.sha256), mimetype=row.media_type, as_attachment=True,
        download_name=row.filename,
    )  # fmt: skip
