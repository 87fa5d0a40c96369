"""Report preview: the audit report as it will be sent, printable from the browser, and the
same page as a PDF (auditkit.reports.pdf) where WeasyPrint can run."""

from __future__ import annotations

import secrets
import uuid

from flask import Blueprint, Response, abort, render_template, url_for
from sqlalchemy.orm import Session

from auditkit.config import cb_identity
from auditkit.field.context import checklist_tree, load_workspace, photo_store
from auditkit.models import Audit
from auditkit.reports import build_report
from auditkit.reports import pdf as report_pdf
from auditkit.web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("report", __name__, url_prefix="/audits/<uuid:audit_id>")


@bp.get("/report/")
def preview(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit report as it will be sent, with a link to its PDF (or why there is none)."""
    ws = load_workspace(audit_id)
    available, sentence = report_pdf.pdf_available()
    # The report carries its own <style> (so a PDF renderer fetches nothing); the policy
    # allows exactly that block, by a nonce made for this response.
    nonce = secrets.token_urlsafe(16)
    html = report_html(
        ws.session,
        ws.audit,
        photo_src=lambda sha256: url_for("photos.full", sha256=sha256),
        back_url=url_for("audits.show", audit_id=audit_id),
        pdf_url=url_for("report.pdf", audit_id=audit_id) if available else None,
        pdf_unavailable=None if available else sentence,
        style_nonce=nonce,
    )
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'nonce-{nonce}'")
    return html, 200, {"Content-Security-Policy": policy}


@bp.get("/report.pdf")
def pdf(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The same report as a PDF, photos embedded; 503 with the reason where PDFs cannot be made."""
    ws = load_workspace(audit_id)
    available, sentence = report_pdf.pdf_available()
    if not available:
        abort(503, description=sentence)
    data, _ = render_report_pdf(ws.session, ws.audit)
    name = report_pdf.report_filename(ws.audit.number, ws.audit.id)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def report_html(session: Session, audit: Audit, **context: object) -> str:
    """The report page of `audit`; `context` gives the template's photo_src and its options."""
    report = build_report(session, audit.id, cb_identity(), tree=checklist_tree(audit))
    return render_template("reports/audit_report.html", report=report, **context)


def render_report_pdf(session: Session, audit: Audit) -> tuple[bytes, list[str]]:
    """The report of `audit` as a PDF, and the sha256s of photos not on this laptop (their
    captions stand in for them). Needs an app context; OSError without WeasyPrint/Pango."""
    fetcher = report_pdf.PhotoFetcher(photo_store())
    html = report_html(session, audit, photo_src=report_pdf.photo_url)
    return report_pdf.render_pdf(html, base_url=None, url_fetcher=fetcher), fetcher.missing
