"""Certifications in the staff UI: a client applies for a standard or scheme; planners keep
its scope, sites, codes and personnel, record the application review, and see its audit time
and programme.

The rules live in auditkit.certifications; a refused form comes back with what was typed and
the error beside its field.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from auditkit import certifications
from auditkit.access import Action
from auditkit.cb.auth import requires, server_work, visible
from auditkit.certifications import CertificationError
from auditkit.certifications.overview import overview
from auditkit.certifications.schemes import FACTOR_LEVELS, ISMS_FACTORS, state_label
from auditkit.certifications.transfer import record_transfer
from auditkit.models import Certification, Organisation, User
from auditkit.web.database import db_session

bp = Blueprint("certifications", __name__)
FORM_FIELDS = (
    "scheme",
    "vca_level",
    "scope",
    "sector_codes",
    "nace_codes",
    "full_time",
    "part_time",
    "week_hours",
    "temporary",
    "contractors",
    "complexity",
    "exclusions",
    "soa_version",
) + tuple(f"factor_{f}" for f in ISMS_FACTORS)


def _certification(certification_id: uuid.UUID) -> Certification:
    found = db_session().get(Certification, certification_id)
    if found is None:
        abort(404, description="There is no such certification.")
    visible(Organisation, found.organisation_id, Action.VIEW_ORGANISATION)
    return found


def _values_of(row: Certification) -> dict[str, Any]:
    personnel = row.personnel or {}
    values: dict[str, Any] = {
        "scheme": row.scheme,
        "vca_level": row.vca_level or "",
        "scope": row.scope,
        "sector_codes": ", ".join(str(c) for c in row.sector_codes),
        "nace_codes": ", ".join(row.nace_codes),
        "full_time": personnel.get("full_time", ""),
        "part_time": ", ".join(f"{n} x {h}" for n, h in personnel.get("part_time", [])),
        "week_hours": personnel.get("week_hours", 40),
        "temporary": personnel.get("temporary", ""),
        "contractors": personnel.get("contractors", ""),
        "complexity": row.complexity or "",
        "exclusions": certifications.exclusions_text(row.exclusions),
        "soa_version": row.soa_version,
    }
    for factor in ISMS_FACTORS:
        values[f"factor_{factor}"] = row.isms_factors.get(factor, "")
    return values


def _form_page(org, row, values, site_ids, errors):  # type: ignore[no-untyped-def]
    html = render_template(
        "cb/certification_form.html",
        org=org,
        certification=row,
        values=values,
        site_ids=set(site_ids),
        errors=errors,
        schemes=certifications.SCHEMES,
        vca_levels=certifications.VCA_LEVELS,
        isms_factors=ISMS_FACTORS,
        factor_levels=FACTOR_LEVELS,
    )
    return html, 422 if errors else 200


@bp.route("/organisations/<uuid:organisation_id>/certifications/new", methods=["GET", "POST"])
@requires(Action.MANAGE_CLIENTS)
def new(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The client applies for a certification: scheme, scope, sites, codes, personnel."""
    org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
    values: dict[str, Any] = {"scheme": request.args.get("scheme", ""), "week_hours": 40}
    site_ids = [str(s.id) for s in org.sites]
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {n: request.form.get(n, "") for n in FORM_FIELDS}
        site_ids = request.form.getlist("sites")
        try:
            row = certifications.create_certification(server_work(), org, values, site_ids)
        except CertificationError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
            org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
        else:
            db_session().commit()
            flash(f"The application for {row_label(row)} is recorded; review it next.")
            return redirect(url_for("certifications.show", certification_id=row.id))
    return _form_page(org, None, values, site_ids, errors)


@bp.route("/certifications/<uuid:certification_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_CLIENTS)
def edit(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    row = _certification(certification_id)
    values = _values_of(row)
    site_ids = [str(s.id) for s in row.sites]
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {n: request.form.get(n, "") for n in FORM_FIELDS}
        values["scheme"] = row.scheme
        site_ids = request.form.getlist("sites")
        try:
            certifications.update_certification(server_work(), row, values, site_ids)
        except CertificationError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
            row = _certification(certification_id)
        else:
            db_session().commit()
            flash("The certification is saved.")
            return redirect(url_for("certifications.show", certification_id=row.id))
    return _form_page(row.organisation, row, values, site_ids, errors)


@bp.get("/certifications/<uuid:certification_id>")
@requires(Action.VIEW_DASHBOARD)
def show(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One certification: scope, sites, codes, personnel, audit time, review, programme."""
    return _page(_certification(certification_id))


def _page(row: Certification, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    reviewer = db_session().get(User, row.reviewed_by_id) if row.reviewed_by_id else None
    html = render_template(
        "cb/certification.html",
        certification=row,
        name=row_label(row),
        state=row_state(row),
        reviewer_name=reviewer.full_name if reviewer else "",
        errors=errors or {},
        values=values or {},
        review_checks=certifications.REVIEW_CHECKS,
        isms_factors=ISMS_FACTORS,
        **overview(row, date.today()),
    )
    return html, status


@bp.post("/certifications/<uuid:certification_id>/review")
@requires(Action.MANAGE_CLIENTS)
def review(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Record the application review: each check confirmed, by whom and when."""
    row = _certification(certification_id)
    checks = [k for k in certifications.REVIEW_CHECKS if request.form.get(f"check_{k}") == "1"]
    notes = request.form.get("notes", "")
    try:
        certifications.record_application_review(server_work(), row, g.user, checks, notes)
    except CertificationError as exc:
        db_session().rollback()
        values = {f"check_{k}": "1" for k in checks} | {"notes": notes}
        return _page(
            _certification(certification_id),
            errors={exc.field: exc.message},
            values=values,
            status=422,
        )
    db_session().commit()
    flash("The application review is recorded.")
    return redirect(url_for("certifications.show", certification_id=row.id))


TRANSFER_FIELDS = (
    "from_cb",
    "certificate_number",
    "cycle_start",
    "expiry",
    "first_cycle",
    "accredited",
    "suspended",
    "review",
)


@bp.post("/certifications/<uuid:certification_id>/transfer")
@requires(Action.MANAGE_CLIENTS)
def transfer(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The certificate comes from another CB: its programme continues on that CB's cycle."""
    row = _certification(certification_id)
    values = {n: request.form.get(n, "") for n in TRANSFER_FIELDS}
    held = request.form.getlist("held")
    try:
        record_transfer(server_work(), row, values, held, date.today())
    except CertificationError as exc:
        db_session().rollback()
        return _page(
            _certification(certification_id),
            errors={f"transfer_{exc.field}": exc.message},
            values={f"transfer_{k}": v for k, v in values.items()}
            | {f"transfer_held_{k}": "1" for k in held},
            status=422,
        )
    db_session().commit()
    flash("The transfer is recorded: the programme continues on the issuing CB's cycle.")
    return redirect(url_for("certifications.show", certification_id=row.id))


@bp.post("/certifications/<uuid:certification_id>/withdraw")
@requires(Action.MANAGE_CLIENTS)
def withdraw(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    row = _certification(certification_id)
    reason = request.form.get("reason", "")
    try:
        certifications.withdraw_application(server_work(), row, reason)
    except CertificationError as exc:
        db_session().rollback()
        return _page(
            _certification(certification_id),
            errors={exc.field: exc.message},
            values={"reason": reason},
            status=422,
        )
    db_session().commit()
    flash(f"The application for {row_label(row)} is withdrawn.")
    return redirect(url_for("planning.organisation", organisation_id=row.organisation_id))


@bp.app_template_global("certification_name")
def row_label(row: Certification) -> str:
    return certifications.display_name(row.scheme, row.vca_level)


@bp.app_template_global("certification_state")
def row_state(row: Certification) -> str:
    return state_label(row, date.today())
