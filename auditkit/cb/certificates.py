"""Staff pages of certificates: the register, one certificate with its revisions, its PDF."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from auditkit.access import Action
from auditkit.cb.auth import requires, server_work
from auditkit.certificates import amendments, issue, status
from auditkit.certificates.documents import certificate_pdf, pdf_filename
from auditkit.models import Certificate, CertificateStatus, Certification
from auditkit.pagination import paginate
from auditkit.reports import pdf as report_pdf
from auditkit.web.database import db_session
from auditkit.web.mail import mailer

bp = Blueprint("certificates", __name__, url_prefix="/certificates")
FILTERS = {
    "": "all",
    "valid": "valid",
    "suspended": "suspended",
    "expiring": "expiring within 90 days",
    "ended": "withdrawn or expired",
}


@bp.app_template_global("certificate_state")
def certificate_state(certificate: Certificate) -> str:
    return status.label(certificate, date.today())


@bp.get("")
@requires(Action.VIEW_DECISIONS)
def index():  # type: ignore[no-untyped-def]
    today = date.today()
    shown = request.args.get("show", "")
    query = select(Certificate).where(Certificate.is_current.is_(True))
    active = Certificate.status == CertificateStatus.ACTIVE
    if shown == "valid":
        query = query.where(active, Certificate.expiry_date >= today)
    elif shown == "suspended":
        query = query.where(Certificate.status == CertificateStatus.SUSPENDED)
    elif shown == "expiring":
        query = query.where(
            active,
            Certificate.expiry_date >= today,
            Certificate.expiry_date <= date.fromordinal(today.toordinal() + 90),
        )
    elif shown == "ended":
        query = query.where(
            (Certificate.status == CertificateStatus.WITHDRAWN) | (Certificate.expiry_date < today)
        )
    else:
        shown = ""
    query = query.order_by(Certificate.holder_name, Certificate.number)
    return render_template(
        "cb/certificates.html",
        page=paginate(db_session(), query, request.args.get("page")),
        filters=FILTERS,
        shown=shown,
        today=today,
    )


def _current(number: str) -> list[Certificate]:
    found = issue.revisions(db_session(), number)
    if not found:
        abort(404, description="There is no certificate with that number.")
    return found


@bp.get("/<path:number>/pdf")
@requires(Action.VIEW_DECISIONS)
def pdf(number: str):  # type: ignore[no-untyped-def]
    revisions = _current(number)
    current = next((c for c in revisions if c.is_current), revisions[0])
    return pdf_download(current)


def pdf_download(certificate: Certificate) -> Response:
    """The certificate's signed PDF as a download (staff and portal), or a 503 that says why
    where WeasyPrint cannot run."""
    available, sentence = report_pdf.pdf_available()
    if not available:
        abort(503, description=sentence)
    body = certificate_pdf(
        certificate, current_app.config["DATA_DIR"], date.today(), mailer().settings.public_url
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{pdf_filename(certificate)}"',
            "Cache-Control": "no-store",
        },
    )


def _page(number: str, *, values=None, errors=None, status_code: int = 200):  # type: ignore[no-untyped-def]
    revisions = _current(number)
    current = next((c for c in revisions if c.is_current), revisions[0])
    certification = db_session().get(Certification, current.certification_id)
    return render_template(
        "cb/certificate.html",
        certificate=current,
        revisions=revisions,
        lapsed=status.suspension_lapsed(current, date.today()),
        outdated=amendments.differences(current, certification) if certification else [],
        values=values or {},
        errors=errors or {},
        today=date.today(),
    ), status_code


@bp.get("/<path:number>")
@requires(Action.VIEW_DECISIONS)
def show(number: str):  # type: ignore[no-untyped-def]
    return _page(number)


@bp.post("/<path:number>/amend")
@requires(Action.DECIDE)
def amend(number: str):  # type: ignore[no-untyped-def]
    """A new revision stating the holder and sites as they are now."""
    revisions = _current(number)
    current = next((c for c in revisions if c.is_current), None)
    certification = db_session().get(Certification, current.certification_id) if current else None
    values = request.form.to_dict()
    if current is None or certification is None:
        abort(404, description="This certificate has no current revision.")
    try:
        new = amendments.amend(
            server_work(), current, certification, reason=values.get("reason", ""),
            today=date.today(),
        )  # fmt: skip
    except amendments.AmendRefused as exc:
        db_session().rollback()
        return _page(number, values=values, errors={exc.field: exc.message}, status_code=422)
    db_session().commit()
    flash(f"Revision {new.revision} is issued; it supersedes revision {new.revision - 1}.")
    return redirect(url_for("certificates.show", number=number))
