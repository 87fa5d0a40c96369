"""The CB's dashboard in the staff UI: five plots, each beside a table of its numbers.

The plots are SVG documents served on their own URLs and shown through <img>, so the page
itself needs no inline style (the CSP allows none) and the numbers stay readable without them.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template

from auditkit.access import Action
from auditkit.cb.auth import requires
from auditkit.dashboard import plots
from auditkit.dashboard.figures import FIGURES
from auditkit.web.database import db_session

bp = Blueprint("dashboard", __name__)
# An SVG drawn by matplotlib styles its shapes with style attributes and runs no script.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
ALT = {
    "nonconformities": "Bar chart of major and minor nonconformities per clause",
    "overdue-actions": "Bar chart of overdue corrective actions by how long they are overdue",
    "expiring-certificates": "Bar chart of certificates expiring in the next 90 days, by week",
    "audits-due": "Bar chart of audits overdue and due per month, planned or not",
    "auditor-load": "Bar chart of each auditor's audit days in the next 90 days",
}


@bp.get("/dashboard")
@requires(Action.VIEW_PROGRAMME)
def index():  # type: ignore[no-untyped-def]
    """The five plots of the CB's work, each with its numbers as a table."""
    today = date.today()
    charts = [build(db_session(), today) for build in FIGURES.values()]
    return render_template("cb/plots.html", charts=charts, alt=ALT, today=today)


@bp.get("/dashboard/plots/<plot_name>.svg")
@requires(Action.VIEW_PROGRAMME)
def plot(plot_name: str):  # type: ignore[no-untyped-def]
    """One plot as an SVG image, drawn from today's numbers."""
    build = FIGURES.get(plot_name)
    if build is None:
        abort(404, description="There is no plot of that name.")
    svg = plots.render(build(db_session(), date.today()))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    # Staff-only numbers that change with every audit: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
