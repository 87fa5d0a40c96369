"""What a signed-in contact reads: their organisation's audits, plans, released reports (the
HTML and the PDF as released) and nonconformities with their deadlines and status."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

from flask import Response, abort, g, render_template, send_file
from sqlalchemy import select

from auditkit.cb.portal import bp, contact_required, origin
from auditkit.models import Photo, ReportRelease
from auditkit.planning import schedule
from auditkit.portal import records
from auditkit.portal.accounts import record
from auditkit.reports import pdf as report_pdf
from auditkit.web.database import db_session
from auditkit.web.security import CONTENT_SECURITY_POLICY
from sync.server.blobs import store

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def _org() -> uuid.UUID:
    return g.contact.organisation_id  # type: ignore[no-any-return]


def _audit_or_404(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    found = records.audit(db_session(), _org(), audit_id)
    if found is None:
        abort(404, description="There is no audit with that id.")
    return found


def _release_or_404(release_id: uuid.UUID) -> ReportRelease:
    found = records.release(db_session(), _org(), release_id)
    if found is None:
        abort(404, description="There is no report with that id.")
    return found


@bp.get("/")
@contact_required
def home():  # type: ignore[no-untyped-def]
    session = db_session()
    return render_template(
        "portal/home.html",
        audits=records.audits(session, _org()),
        releases=records.releases(session, _org()),
        nonconformities=records.nonconformities(session, _org()),
    )


@bp.get("/audits/<uuid:audit_id>")
@contact_required
def audit(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    found = _audit_or_404(audit_id)
    session = db_session()
    return render_template(
        "portal/audit.html",
        audit=found,
        releases=[r for r in records.releases(session, _org()) if r.audit_id == found.id],
        nonconformities=[
            nc for nc in records.nonconformities(session, _org()) if nc.audit.id == found.id
        ],
    )


@bp.get("/audits/<uuid:audit_id>/plan")
@contact_required
def plan(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    found = _audit_or_404(audit_id)
    return render_template("portal/plan.html", audit=found, schedule=schedule.rows(found))


@bp.get("/nonconformities")
@contact_required
def nonconformities():  # type: ignore[no-untyped-def]
    return render_template(
        "portal/nonconformities.html",
        nonconformities=records.nonconformities(db_session(), _org()),
    )


@bp.get("/releases/<uuid:release_id>")
@contact_required
def release(release_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The report as released, as a page (its inline style allowed by its hash)."""
    row = _release_or_404(release_id)
    record(
        db_session(), g.contact, "portal.report_view", origin(), audit_id=row.audit_id,
        entity="report_release", entity_id=str(row.id), detail={"revision": row.revision},
    )  # fmt: skip
    db_session().commit()
    html = row.html
    if not html:
        abort(404, description="This revision was released before reports had a page: use its PDF.")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode()}'"
        for m in _STYLE.finditer(html)
    )
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src {hashes}")
    return html, 200, {"Content-Security-Policy": policy, "Cache-Control": "no-store"}


@bp.get("/releases/<uuid:release_id>.pdf")
@contact_required
def release_pdf(release_id: uuid.UUID):  # type: ignore[no-untyped-def]
    row = _release_or_404(release_id)
    owner = records.audit(db_session(), _org(), row.audit_id)
    assert owner is not None
    record(
        db_session(), g.contact, "portal.report_download", origin(), audit_id=row.audit_id,
        entity="report_release", entity_id=str(row.id),
        detail={"revision": row.revision, "sha256": row.sha256},
    )  # fmt: skip
    db_session().commit()
    stem = report_pdf.report_filename(owner.number, owner.id).removesuffix(".pdf")
    return Response(
        row.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-rev{row.revision}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/releases/<uuid:release_id>/photos/<sha256>")
@contact_required
def release_photo(release_id: uuid.UUID, sha256: str):  # type: ignore[no-untyped-def]
    """A photo in a released report: only one of that audit's photos."""
    row = _release_or_404(release_id)
    found = (
        db_session()
        .scalars(select(Photo.id).where(Photo.audit_id == row.audit_id, Photo.sha256 == sha256))
        .first()
    )
    if found is None or not store().exists(sha256):
        abort(404, description="This report has no such photo.")
    return send_file(store().path(sha256), mimetype="image/jpeg", max_age=3600)
