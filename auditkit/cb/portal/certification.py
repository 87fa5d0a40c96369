"""The portal's certification pages: the decisions taken and the certificates, each current
one as a signed PDF."""

from __future__ import annotations

from datetime import date

from flask import abort, g, render_template

from auditkit.cb.certificates import pdf_download
from auditkit.cb.portal import bp, contact_required, origin
from auditkit.decisions.notices import STOP_USING_MARK
from auditkit.decisions.outcomes import PAST
from auditkit.portal import certificates as records
from auditkit.portal.accounts import record
from auditkit.web.database import db_session


@bp.get("/certificates")
@contact_required
def certificates():  # type: ignore[no-untyped-def]
    session = db_session()
    org = g.contact.organisation_id
    return render_template(
        "portal/certificates.html",
        decisions=records.decisions(session, org),
        certificates=records.certificates(session, org),
        past=PAST,
        stop_using_mark=STOP_USING_MARK,
        today=date.today(),
    )


@bp.get("/certificates/<path:number>.pdf")
@contact_required
def certificate_download(number: str):  # type: ignore[no-untyped-def]
    found = records.current(db_session(), g.contact.organisation_id, number)
    if found is None:
        abort(404, description="Your organisation has no certificate with that number.")
    record(
        db_session(), g.contact, "portal.certificate_download", origin(),
        entity="certificate", entity_id=str(found.id),
        detail={"number": found.number, "revision": found.revision},
    )  # fmt: skip
    db_session().commit()
    return pdf_download(found)
