"""A contact answers a nonconformity: the draft kept as typed, evidence files, and sending."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for

from auditkit import corrective_actions as capa
from auditkit import evidence_files
from auditkit.cb.portal import bp, contact_required, origin
from auditkit.corrective_actions import extensions
from auditkit.models import EvidenceFile, Finding
from auditkit.portal import notices, records
from auditkit.portal.accounts import record
from auditkit.unit_of_work import Actor, ServerWork
from auditkit.web.database import db_session
from auditkit.web.evidence_store import evidence_store
from auditkit.web.mail import mailer

TEXT_FIELDS = ("correction", "root_cause", "action", "action_due", "note")


def _nonconformity(finding_id: uuid.UUID) -> records.Nonconformity:
    found = records.nonconformity(db_session(), g.contact.organisation_id, finding_id)
    if found is None:
        abort(404, description="There is no nonconformity with that id.")
    return found


def answer_page(nc: records.Nonconformity, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    ca = nc.action
    draft = capa.draft_of(ca)
    if values is None:
        source = draft or capa.plan_of(ca)
        values = {
            "correction": source.correction if source else "",
            "root_cause": source.root_cause if source else "",
            "action": source.action if source else "",
            "action_due": source.action_due.isoformat() if source and source.action_due else "",
            "note": draft.note if draft else "",
        }
    html = render_template(
        "portal/answer.html",
        nc=nc,
        ca=ca,
        stage=capa.stage_for(ca),
        draft=draft,
        history=capa.sent_revisions(ca),
        plan=capa.plan_of(ca),
        values=values,
        errors=errors or {},
        limits=evidence_files,
        requests=extensions.requests(db_session(), nc.finding),
    )
    return html, status


@bp.get("/nonconformities/<uuid:finding_id>")
@contact_required
def answer(finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return answer_page(_nonconformity(finding_id))


@bp.post("/nonconformities/<uuid:finding_id>")
@contact_required
def save_answer(finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Save the draft (do=save) or save and send it (do=submit); errors keep what was typed."""
    nc = _nonconformity(finding_id)
    values = {name: request.form.get(name, "") for name in TEXT_FIELDS}
    sending = request.form.get("do") == "submit"
    session, name = db_session(), g.contact.contact.name
    upload = request.files.get("file")
    try:
        if capa.stage_for(nc.action) == capa.PLAN or values["note"] or not sending:
            capa.save_draft(session, nc.finding, capa.AnswerInput(**values), by=name)
        if upload is not None and upload.filename:  # a file chosen with the answer
            checked = evidence_files.check(upload.filename, upload.read())
            capa.add_file(session, nc.finding, evidence_store(), checked, by=name)
        if sending:
            sent = capa.submit(session, nc.finding, by=name, today=date.today())
    except (capa.CapaRefused, evidence_files.EvidenceRefused) as exc:
        session.rollback()
        fresh = _nonconformity(finding_id)
        return answer_page(fresh, errors={exc.field: exc.message}, values=values, status=422)
    ca = capa.of(session, nc.finding)
    assert ca is not None
    action = "portal.capa_submit" if sending else "portal.capa_save"
    detail = {"finding_id": str(nc.finding.id), "status": ca.status.value}
    if sending:
        detail["revision"] = sent.number
        notices.answer_received(session, mailer(), nc.audit, nc.finding, ca, sent)
        # The lead's laptop pulls what was sent (never a draft).
        ServerWork(session, Actor(None, origin())).changed(
            nc.audit, "corrective_action", str(ca.id), content=False
        )
    record(
        session, g.contact, action, origin(), audit_id=nc.audit.id,
        entity="corrective_action", entity_id=str(ca.id), detail=detail,
    )  # fmt: skip
    session.commit()
    flash("Sent. We will tell you when it has been looked at." if sending else "Draft saved.")
    return redirect(url_for("portal.answer", finding_id=finding_id))


@bp.post("/nonconformities/<uuid:finding_id>/files")
@contact_required
def add_file(finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    nc = _nonconformity(finding_id)
    upload = request.files.get("file")
    session = db_session()
    try:
        if upload is None or not upload.filename:
            raise capa.CapaRefused("evidence", "Choose a file to add.")
        checked = evidence_files.check(upload.filename, upload.read())
        row = capa.add_file(
            session, nc.finding, evidence_store(), checked, by=g.contact.contact.name
        )
    except (capa.CapaRefused, evidence_files.EvidenceRefused) as exc:
        session.rollback()
        return answer_page(_nonconformity(finding_id), errors={exc.field: exc.message}, status=422)
    session.flush()
    record(
        session, g.contact, "portal.evidence_add", origin(), audit_id=nc.audit.id,
        entity="evidence_file", entity_id=str(row.id),
        detail={"sha256": row.sha256, "filename": row.filename, "size": row.size},
    )  # fmt: skip
    session.commit()
    flash(f"{row.filename} is added to your draft.")
    return redirect(url_for("portal.answer", finding_id=finding_id) + "#evidence")


@bp.post("/nonconformities/<uuid:finding_id>/files/<uuid:file_id>/remove")
@contact_required
def remove_file(finding_id: uuid.UUID, file_id: uuid.UUID):  # type: ignore[no-untyped-def]
    nc = _nonconformity(finding_id)
    session = db_session()
    try:
        capa.remove_file(session, nc.finding, file_id)
    except capa.CapaRefused as exc:
        session.rollback()
        return answer_page(_nonconformity(finding_id), errors={exc.field: exc.message}, status=422)
    record(
        session, g.contact, "portal.evidence_remove", origin(), audit_id=nc.audit.id,
        entity="evidence_file", entity_id=str(file_id),
    )  # fmt: skip
    session.commit()
    return redirect(url_for("portal.answer", finding_id=finding_id) + "#evidence")


@bp.get("/evidence/<uuid:file_id>")
@contact_required
def evidence_file(file_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """An evidence file of one of the organisation's nonconformities."""
    row = db_session().get(EvidenceFile, file_id)
    finding = db_session().get(Finding, row.revision.corrective_action.finding_id) if row else None
    if row is None or finding is None or _owned(finding) is None:
        abort(404, description="There is no evidence file with that id.")
    return send_file(
        evidence_store().path(row.sha256),
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.filename,
    )


def _owned(finding: Finding) -> records.Nonconformity | None:
    return records.nonconformity(db_session(), g.contact.organisation_id, finding.id)


@bp.post("/nonconformities/<uuid:finding_id>/extension")
@contact_required
def ask_for_time(finding_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Ask for more time to answer: the new date and why."""
    nc = _nonconformity(finding_id)
    values = {
        "until": request.form.get("until", ""),
        "extension_reason": request.form.get("extension_reason", ""),
    }
    session = db_session()
    try:
        row = extensions.ask(
            session, nc.finding, until=values["until"], reason=values["extension_reason"],
            by=g.contact.contact.name, due=nc.due, today=date.today(),
        )  # fmt: skip
    except capa.CapaRefused as exc:
        session.rollback()
        return answer_page(
            _nonconformity(finding_id), errors={exc.field: exc.message}, values=values, status=422
        )
    record(
        session, g.contact, "portal.extension_request", origin(), audit_id=nc.audit.id,
        entity="deadline_extension", entity_id=str(row.id),
        detail={"finding_id": str(nc.finding.id), "until": row.until.isoformat()},
    )  # fmt: skip
    session.commit()
    flash("Your request is sent; we will tell you the answer by mail.")
    return redirect(url_for("portal.answer", finding_id=finding_id) + "#extension")
