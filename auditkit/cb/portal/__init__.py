"""The client portal's pages (/portal/...): a contact of an audited organisation signs in with
their own portal account (never a staff one) and sees only their organisation's records.

`g.contact` is the signed-in PortalAccount or None; every page but sign-in and the invitation
link needs one (`contact_required`), and every lookup goes through auditkit.portal.records
with the account's organisation, so another organisation's id is a 404 like a missing one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, request, session, url_for

from auditkit.config import cb_identity
from auditkit.portal import sessions
from auditkit.web.database import db_session

bp = Blueprint("portal", __name__, url_prefix="/portal")
SESSION_KEY = "portal_key"


@bp.context_processor
def _cb() -> dict[str, Any]:
    return {"cb": cb_identity()}


@bp.before_request
def _load_contact() -> None:
    g.contact = None
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        g.contact = sessions.account_of(db_session(), key)
        if db_session().dirty:
            db_session().commit()


def contact_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.contact is None:
            return redirect(url_for("portal.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def origin() -> str:
    return request.remote_addr or ""


from auditkit.cb.portal import answers, auth, certification, pages  # noqa: E402,F401  (their routes join bp)
