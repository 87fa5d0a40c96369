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

from auditkit.accounts import check_credentials
from auditkit.models import Role, User
from auditkit.web.database import db_session

bp = Blueprint("auth", __name__)

STAFF_ROLES = (Role.ADMIN, Role.PLANNER, Role.REVIEWER, Role.DECISION_MAKER, Role.AUDITOR)


def init_app(app: Flask) -> None:
    app.before_request(_load_user)


def _load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id:
        user = db_session().get(User, uuid.UUID(user_id))
        if user is not None and user.is_active:
            g.user = user


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Sign-in required; with roles, the user needs at least one of them."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and not any(g.user.has_role(r) for r in roles):
                abort(403, description="Your role does not give access to this page.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def authenticate(username: str, password: str) -> User | None:
    return check_credentials(db_session(), username, password)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Sign in with username and password."""
    error = None
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        user = authenticate(username, request.form.get("password", ""))
        if user is None:
            error = "That username and password do not match. Check both and try again."
        else:
            session.clear()
            session["user_id"] = str(user.id)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("cb/login.html", error=error, username=username), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out."""
    session.clear()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect a signed-in user to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("planning.dashboard")
