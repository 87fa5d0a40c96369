"""The CB-wide programme in the staff UI: what is overdue, at risk or not yet planned."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from auditkit.access import Action
from auditkit.cb.auth import requires
from auditkit.certifications.programme_list import FILTERS, flag, programme_query
from auditkit.pagination import paginate
from auditkit.web.database import db_session

bp = Blueprint("programme", __name__)
LABELS = {
    "stage1": "Stage 1",
    "stage2": "Stage 2",
    "surveillance1": "Surveillance 1",
    "surveillance2": "Surveillance 2",
    "recertification": "Recertification",
}


@bp.get("/programme")
@requires(Action.VIEW_PROGRAMME)
def index():  # type: ignore[no-untyped-def]
    show = request.args.get("show", "attention")
    if show not in FILTERS:
        show = "attention"
    today = date.today()
    page = paginate(db_session(), programme_query(show, today), request.args.get("page"))
    return render_template(
        "cb/programme.html",
        page=page,
        show=show,
        filters=FILTERS,
        flag=lambda c: flag(c, today),
        labels=LABELS,
        today=today,
    )
