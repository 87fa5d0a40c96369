"""Portal sign-in and sign-out, and the invitation link where a contact chooses a password."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for

from auditkit import throttle
from auditkit.cb.portal import SESSION_KEY, bp, origin
from auditkit.portal import accounts, sessions
from auditkit.portal.accounts import PortalError
from auditkit.web.database import db_session

THROTTLE_PREFIX = "portal:"  # portal and staff sign-ins are counted apart


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    email = request.form.get("email", "").strip()
    status, headers = 200, {}
    if request.method == "POST":
        name = f"{THROTTLE_PREFIX}{email.lower()}"
        try:
            throttle.check(db_session(), name, origin())
            account = accounts.check_credentials(
                db_session(), email, request.form.get("password", "")
            )
            if account is None:
                throttle.failed(db_session(), name, origin())
                db_session().commit()
                error = "That e-mail address and password do not match. Check both and try again."
                status = 401
            else:
                throttle.succeeded(db_session(), name, origin())
                return _signed_in(account, "portal.sign_in")
        except throttle.Throttled as exc:
            error, status = exc.message, 429
            headers["Retry-After"] = str(exc.retry_after)
    return render_template("portal/login.html", error=error, email=email), status, headers


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        sessions.end(db_session(), key)
        if g.contact is not None:
            accounts.record(db_session(), g.contact, "portal.sign_out", origin())
        db_session().commit()
    session.pop(SESSION_KEY, None)
    return redirect(url_for("portal.login"))


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):  # type: ignore[no-untyped-def]
    """The invitation link: choose a password (once), and be signed in."""
    try:
        row = accounts.invitation(db_session(), token)
    except PortalError as exc:
        return render_template("portal/welcome.html", invalid=exc.message, errors={}), 410
    account = db_session().get(accounts.PortalAccount, row.account_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            account = accounts.accept(
                db_session(),
                token,
                request.form.get("password", ""),
                request.form.get("confirm", ""),
                origin=origin(),
            )
        except PortalError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
        else:
            return _signed_in(account, "portal.sign_in")
    status = 422 if errors else 200
    return render_template(
        "portal/welcome.html", invalid=None, account=account, errors=errors
    ), status


def _signed_in(account: accounts.PortalAccount, action: str):  # type: ignore[no-untyped-def]
    key = sessions.start(
        db_session(), account, address=origin(), user_agent=request.headers.get("User-Agent", "")
    )
    accounts.record(db_session(), account, action, origin())
    db_session().commit()
    session[SESSION_KEY] = key
    target = request.args.get("next") or ""
    if not (target.startswith("/portal/") and not target.startswith("//")):
        target = url_for("portal.home")
    return redirect(target)
