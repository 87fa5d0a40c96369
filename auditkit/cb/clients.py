"""Client records in the staff UI: planners create and edit clients, sites and contacts.

The rules live in auditkit.clients; a refused form comes back with what was typed and the
error beside its field. Creating a client that looks like one already on file shows the
likely duplicates and asks before it goes on.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from auditkit import clients
from auditkit.access import Action
from auditkit.cb.auth import requires, server_work, visible
from auditkit.clients import ClientError, DuplicateWarning
from auditkit.models import Contact, Organisation, Site
from auditkit.web.database import db_session

bp = Blueprint("clients", __name__)
ORG_FIELDS = ("name", "legal_name", "registration_number", "address", "city", "country")
SITE_FIELDS = (
    "name",
    "address",
    "city",
    "country",
    "activities",
    "kind",
    "shift_personnel",
    "is_headquarters",
)
CONTACT_FIELDS = ("name", "job_title", "email", "phone", "is_management_representative")


def _form(names: tuple[str, ...]) -> dict[str, str]:
    return {n: request.form.get(n, "") for n in names}


def _organisation(organisation_id: uuid.UUID) -> Organisation:
    return visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)


@bp.route("/clients/new", methods=["GET", "POST"])
@requires(Action.MANAGE_CLIENTS)
def new_client():  # type: ignore[no-untyped-def]
    """A new client organisation; its sites and contacts are added on its page."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    duplicates: list[Organisation] = []
    if request.method == "POST":
        values = _form(ORG_FIELDS)
        confirmed = request.form.get("confirm_duplicate") == "1"
        try:
            org = clients.create_organisation(server_work(), values, duplicate_confirmed=confirmed)
        except ClientError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
        except DuplicateWarning as warning:
            db_session().rollback()
            duplicates = warning.candidates
        else:
            db_session().commit()
            flash(f"{org.name} is added; now add its sites and contacts.")
            return redirect(url_for("planning.organisation", organisation_id=org.id))
    status = 422 if errors else (409 if duplicates else 200)
    html = render_template(
        "cb/client_form.html", values=values, errors=errors, duplicates=duplicates, org=None
    )
    return html, status


@bp.route("/organisations/<uuid:organisation_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_CLIENTS)
def edit_client(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    org = _organisation(organisation_id)
    values: dict[str, Any] = {n: getattr(org, n) for n in ORG_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _form(ORG_FIELDS)
        try:
            clients.update_organisation(server_work(), org, values)
        except ClientError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
        else:
            db_session().commit()
            flash("The client's details are saved.")
            return redirect(url_for("planning.organisation", organisation_id=organisation_id))
    html = render_template(
        "cb/client_form.html",
        values=values,
        errors=errors,
        duplicates=[],
        org=_organisation(organisation_id),
    )
    return html, 422 if errors else 200


@bp.post("/organisations/<uuid:organisation_id>/archive")
@requires(Action.MANAGE_CLIENTS)
def archive_client(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    org = _organisation(organisation_id)
    archived = request.form.get("archived", "1") == "1"
    clients.archive(server_work(), org, archived=archived)
    db_session().commit()
    flash(
        f"{org.name} is archived: it leaves the client list; its history stays."
        if archived
        else f"{org.name} is a current client again."
    )
    return redirect(url_for("planning.organisation", organisation_id=organisation_id))


def _record(org: Organisation, model: type[Any], record_id: uuid.UUID | None) -> Any:
    """A site or contact of `org` (None for a new one); 404 if it belongs to another client."""
    if record_id is None:
        return None
    found = db_session().get(model, record_id)
    if found is None or found.organisation_id != org.id:
        abort(404, description=f"This client has no such {model.__name__.lower()}.")
    return found


def _record_page(org, found, values, save, template, noun):  # type: ignore[no-untyped-def]
    """The add-or-change page of a site or contact: on POST save it, or show what to fix."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            save(server_work(), org, values, found)
        except ClientError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
        else:
            db_session().commit()
            flash(f"The {noun} {values['name'].strip()} is saved.")
            return redirect(url_for("planning.organisation", organisation_id=org.id))
    org = _organisation(org.id)  # after a rollback, read again
    html = render_template(template, org=org, values=values, errors=errors, **{noun: found})
    return html, 422 if errors else 200


@bp.route("/organisations/<uuid:organisation_id>/sites/new", methods=["GET", "POST"])
@bp.route("/organisations/<uuid:organisation_id>/sites/<uuid:site_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_CLIENTS)
def site(organisation_id: uuid.UUID, site_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
    """Add a site to a client, or change one."""
    org = _organisation(organisation_id)
    found = _record(org, Site, site_id)
    values: dict[str, Any] = {"kind": "permanent"}
    if request.method == "POST":
        values = _form(SITE_FIELDS)
    elif found is not None:
        values = {n: getattr(found, n) for n in SITE_FIELDS}
        values["shift_personnel"] = ", ".join(str(n) for n in found.shift_personnel)
        values["is_headquarters"] = "1" if found.is_headquarters else ""
    return _record_page(org, found, values, clients.save_site, "cb/site_form.html", "site")


@bp.route("/organisations/<uuid:organisation_id>/contacts/new", methods=["GET", "POST"])
@bp.route(
    "/organisations/<uuid:organisation_id>/contacts/<uuid:contact_id>", methods=["GET", "POST"]
)
@requires(Action.MANAGE_CLIENTS)
def contact(organisation_id: uuid.UUID, contact_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
    """Add a contact person to a client, or change one."""
    org = _organisation(organisation_id)
    found = _record(org, Contact, contact_id)
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _form(CONTACT_FIELDS)
    elif found is not None:
        values = {n: getattr(found, n) for n in CONTACT_FIELDS}
        values["is_management_representative"] = "1" if found.is_management_representative else ""
    return _record_page(org, found, values, clients.save_contact, "cb/contact_form.html", "contact")
