"""Report preview: the audit report as it will be sent, printable from the browser."""

from __future__ import annotations

import secrets
import uuid

from flask import Blueprint, render_template, url_for

from auditkit.config import cb_identity
from auditkit.field.context import checklist_tree, load_workspace
from auditkit.reports import build_report
from auditkit.web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("report", __name__, url_prefix="/audits/<uuid:audit_id>/report")


@bp.get("/")
def preview(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The audit report as it will be sent."""
    ws = load_workspace(audit_id)
    report = build_report(ws.session, audit_id, cb_identity(), tree=checklist_tree(ws.audit))
    # The report carries its own <style> (so a PDF renderer fetches nothing); the policy
    # allows exactly that block, by a nonce made for this response.
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "reports/audit_report.html",
        report=report,
        back_url=url_for("audits.show", audit_id=audit_id),
        photo_src=lambda sha256: url_for("photos.full", sha256=sha256),
        style_nonce=nonce,
    )
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'nonce-{nonce}'")
    return html, 200, {"Content-Security-Policy": policy}
