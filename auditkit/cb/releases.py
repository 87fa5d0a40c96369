"""Releasing the finding report to the client, and reading every revision released.

The PDF is rendered from the server's data (auditkit.cb.reports) at the moment of release and
stored as it was; a download gives those stored bytes, never a new rendering.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from sqlalchemy import select

from auditkit import releases, workflow
from auditkit.access import Action
from auditkit.cb.auth import allowed, requires, server_work, visible
from auditkit.cb.planning import audit_page
from auditkit.cb.reports import render_release
from auditkit.models import Audit, ReportRelease
from auditkit.portal import notices
from auditkit.reports import pdf as report_pdf
from auditkit.web.database import db_session
from auditkit.web.mail import mailer

bp = Blueprint("releases", __name__, url_prefix="/audits/<uuid:audit_id>")


@bp.post("/release")
@requires(Action.VIEW_DASHBOARD)
def release(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Release the accepted audit's report to the client as its next revision."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    allowed(Action.REVIEW_AUDIT, audit)
    db_session().refresh(audit, with_for_update=True)  # one release at a time
    note = request.form.get("note", "")
    try:
        workflow.check(
            "release",
            audit.status,
            roles=server_work().actor.roles,
            team_role=server_work().team_role(audit),
        )
        releases.check_release(db_session(), audit)
    except (workflow.MoveRefused, releases.ReleaseRefused) as exc:
        db_session().rollback()
        return audit_page(audit, errors={"release": exc.message}, values={"note": note}, status=409)
    available, sentence = report_pdf.pdf_available()
    if not available:
        abort(503, description=sentence)
    release_id = uuid.uuid4()
    pdf, html = render_release(audit, release_id)
    try:
        row = releases.release_report(
            server_work(), audit, pdf, html=html, note=note, release_id=release_id
        )
    except (workflow.MoveRefused, releases.ReleaseRefused) as exc:
        db_session().rollback()
        return audit_page(audit, errors={"release": exc.message}, values={"note": note}, status=409)
    notices.report_released(db_session(), mailer(), audit, row)
    db_session().commit()
    flash(f"Revision {row.revision} of the report is released to the client.")
    return redirect(url_for("planning.audit", audit_id=audit_id) + "#releases")


@bp.get("/releases/<int:revision>.pdf")
@requires(Action.VIEW_DASHBOARD)
def download(audit_id: uuid.UUID, revision: int):  # type: ignore[no-untyped-def]
    """A released revision of the report, exactly as it was released."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    row = (
        db_session()
        .scalars(
            select(ReportRelease).where(
                ReportRelease.audit_id == audit.id, ReportRelease.revision == revision
            )
        )
        .first()
    )
    if row is None:
        abort(404, description="This audit has no released report of that revision.")
    stem = report_pdf.report_filename(audit.number, audit.id).removesuffix(".pdf")
    return Response(
        row.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-rev{row.revision}.pdf"',
            "Cache-Control": "no-store",
        },
    )
