"""The audit report as a PDF on the CB server, for whoever may see the audit.

The server builds the report from its own data (what the laptops synced) and embeds the photos
from its blob store; the template and the renderer are the laptop's (auditkit.reports.pdf).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, render_template, url_for

from auditkit.access import Action
from auditkit.cb.auth import requires, visible
from auditkit.checklists.integrate import integrate
from auditkit.config import cb_identity
from auditkit.models import Audit
from auditkit.planning import pinned_checklists
from auditkit.reports import build_report
from auditkit.reports import pdf as report_pdf
from auditkit.web.database import db_session
from sync.server.blobs import store

bp = Blueprint("reports", __name__, url_prefix="/audits/<uuid:audit_id>")


@bp.get("/report.pdf")
@requires(Action.VIEW_DASHBOARD)
def pdf(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit report as a PDF, photos embedded; 503 with the reason where it cannot be made."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    available, sentence = report_pdf.pdf_available()
    if not available:
        abort(503, description=sentence)
    data = render_report_pdf(audit)
    name = report_pdf.report_filename(audit.number, audit.id)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def render_report_pdf(audit: Audit) -> bytes:
    """The report of `audit` from the server's database and blob store (in a request)."""
    report = build_report(db_session(), audit.id, cb_identity(), tree=_tree(audit))
    return _pdf(report)


def render_release(audit: Audit, release_id: uuid.UUID) -> tuple[bytes, str]:
    """The report of `audit` as it is released: the PDF, and the same report as the client
    portal's page (auditkit.cb.portal.reports), both from one reading of the data."""
    report = build_report(db_session(), audit.id, cb_identity(), tree=_tree(audit))
    html = render_template(
        "reports/audit_report.html",
        report=report,
        back_url=url_for("portal.audit", audit_id=audit.id),
        pdf_url=url_for("portal.release_pdf", release_id=release_id),
        photo_src=lambda sha: url_for("portal.release_photo", release_id=release_id, sha256=sha),
    )
    return _pdf(report), html


def _tree(audit: Audit):  # type: ignore[no-untyped-def]
    return integrate(pinned_checklists(audit))


def _pdf(report: object) -> bytes:
    html = render_template(
        "reports/audit_report.html", report=report, photo_src=report_pdf.photo_url
    )
    return report_pdf.render_pdf(html, base_url=None, url_fetcher=report_pdf.PhotoFetcher(store()))
