"""Staff give client contacts access to the portal: invite (the mail with a single-use link),
invite again (a new link; it enables a disabled account), and disable."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, url_for

from auditkit.access import Action
from auditkit.cb.auth import allowed, requires, server_work, visible
from auditkit.models import Contact, Organisation
from auditkit.portal import accounts, notices
from auditkit.web.database import db_session
from auditkit.web.mail import mailer

bp = Blueprint(
    "portal_contacts",
    __name__,
    url_prefix="/organisations/<uuid:organisation_id>/contacts/<uuid:contact_id>/portal",
)


def _contact(organisation_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    org = visible(Organisation, organisation_id, Action.VIEW_ORGANISATION)
    allowed(Action.MANAGE_PORTAL, org)
    found = db_session().get(Contact, contact_id)
    if found is None or found.organisation_id != org.id:
        abort(404, description="This client has no such contact.")
    return found


def _back(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return redirect(url_for("planning.organisation", organisation_id=organisation_id) + "#contacts")


@bp.post("/invite")
@requires(Action.MANAGE_PORTAL)
def invite(organisation_id: uuid.UUID, contact_id: uuid.UUID):  # type: ignore[no-untyped-def]
    contact = _contact(organisation_id, contact_id)
    try:
        sent = accounts.invite(server_work(), contact)
        notices.invitation(db_session(), mailer(), sent, g.user.full_name)
    except accounts.PortalError as exc:
        db_session().rollback()
        flash(exc.message, "error")
        return _back(organisation_id)
    db_session().commit()
    flash(f"An invitation to the client portal is on its way to {sent.account.email}.")
    return _back(organisation_id)


@bp.post("/disable")
@requires(Action.MANAGE_PORTAL)
def disable(organisation_id: uuid.UUID, contact_id: uuid.UUID):  # type: ignore[no-untyped-def]
    contact = _contact(organisation_id, contact_id)
    account = accounts.account_of_contact(db_session(), contact)
    if account is None:
        abort(404, description="This contact has no portal account.")
    try:
        accounts.disable(server_work(), account)
    except accounts.PortalError as exc:
        db_session().rollback()
        flash(exc.message, "error")
        return _back(organisation_id)
    db_session().commit()
    flash(f"{contact.name} can no longer sign in to the client portal.")
    return _back(organisation_id)


@bp.app_template_global("portal_account")
def portal_account(contact: Contact) -> accounts.PortalAccount | None:
    return accounts.account_of_contact(db_session(), contact)
