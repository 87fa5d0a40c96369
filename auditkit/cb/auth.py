"""Staff sign-in: password check, session, and role-based access to every route."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from auditkit import sessions, throttle
from auditkit.access import Action, can
from auditkit.accounts import check_credentials
from auditkit.models import User
from auditkit.unit_of_work import Actor, ServerWork
from auditkit.web.database import db_session

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.jinja_env.globals["can"] = lambda action, obj=None: can(g.get("user"), action, obj)
    app.jinja_env.globals["Action"] = Action


def server_work() -> ServerWork:
    """The unit of work of this request: its session, the signed-in person and their address."""
    if "server_work" not in g:
        g.server_work = ServerWork(db_session(), Actor(g.get("user"), request.remote_addr or ""))
    return g.server_work


def _load_user() -> None:
    """The person whose live session the cookie names (auditkit.sessions), or nobody."""
    g.user = None
    key = session.get("session_key")
    if isinstance(key, str) and key:
        g.user = sessions.user_of(db_session(), key)
        if db_session().dirty:
            db_session().commit()  # the session's last-seen time, or that it ran out


def requires(action: Action) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Sign-in required, and the access policy's yes for `action` (auditkit.access).

    For actions on one object the view asks `visible()` or `allowed()` itself.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if not can(g.user, action):
                abort(403, description="Your role does not give access to this page.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required (as staff or auditor); the view asks the policy about its object."""
    return requires(Action.VIEW_DASHBOARD)(view)


def visible(model: type[Any], object_id: uuid.UUID, action: Action) -> Any:
    """The object, if the signed-in user may see it; 404 otherwise (never saying it exists)."""
    found = db_session().get(model, object_id)
    if found is None or not can(g.user, action, found):
        abort(404, description=f"There is no {model.__name__.lower()} with that id.")
    return found


def allowed(action: Action, obj: object) -> None:
    """403 unless the signed-in user may do `action` to `obj` (which they can see)."""
    if not can(g.user, action, obj):
        abort(403, description="Your role does not allow this here.")


def authenticate(username: str, password: str) -> User | None:
    return check_credentials(db_session(), username, password)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Sign in with username and password; repeated failures are slowed down (auditkit.throttle)."""
    error = None
    username = request.form.get("username", "").strip()
    headers: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        address = request.remote_addr or ""
        try:
            throttle.check(db_session(), username, address)
            user = authenticate(username, request.form.get("password", ""))
            if user is None:
                throttle.failed(db_session(), username, address)
                db_session().commit()
                error, status = (
                    "That username and password do not match. Check both and try again.",
                    401,
                )
            else:
                throttle.succeeded(db_session(), username, address)
                key = sessions.start(
                    db_session(),
                    user,
                    address=address,
                    user_agent=request.headers.get("User-Agent", ""),
                )
                ServerWork(db_session(), Actor(user, address)).event(
                    "user.sign_in", entity="user", entity_id=str(user.id)
                )
                db_session().commit()
                session.clear()
                session["session_key"] = key
                return redirect(_safe_next(request.args.get("next")))
        except throttle.Throttled as exc:
            error, status = exc.message, 429
            headers["Retry-After"] = str(exc.retry_after)
    html = render_template("cb/login.html", error=error, username=username)
    return html, status, headers


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out: the session ends on the server, so its cookie is worth nothing after this."""
    key = session.get("session_key")
    if isinstance(key, str) and key:
        sessions.end(db_session(), key)
        if g.get("user") is not None:
            server_work().event("user.sign_out", entity="user", entity_id=str(g.user.id))
        db_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))


def current_session_key() -> str:
    return str(session.get("session_key", ""))


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect a signed-in user to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("planning.dashboard")
