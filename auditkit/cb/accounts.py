"""Accounts in the staff UI: admins manage users; everyone changes their own password.

The rules live in auditkit.accounts; this module only reads forms and shows the answers,
with what was typed kept (passwords excepted) and each error beside its field.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from auditkit import accounts, sessions
from auditkit.access import Action
from auditkit.accounts import AccountError, NewAccount
from auditkit.cb.auth import current_session_key, requires, server_work
from auditkit.models import Device, Role, StaffSession, User
from auditkit.web.database import db_session

bp = Blueprint("accounts", __name__)
ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.PLANNER: "Planner",
    Role.REVIEWER: "Reviewer",
    Role.DECISION_MAKER: "Decision maker",
    Role.AUDITOR: "Auditor",
}


def _roles_from_form() -> tuple[Role, ...]:
    picked = request.form.getlist("roles")
    return tuple(r for r in accounts.STAFF_ROLES if r.value in picked)


def _user(user_id: uuid.UUID) -> User:
    user = db_session().get(User, user_id)
    if user is None or user.has_role(Role.AUDITEE):
        abort(404, description="There is no staff account with that id.")
    return user


@bp.get("/users")
@requires(Action.MANAGE_USERS)
def users():  # type: ignore[no-untyped-def]
    """Every staff account with its roles and whether it can sign in."""
    listed = db_session().scalars(select(User).order_by(User.username)).all()
    listed = [u for u in listed if not u.has_role(Role.AUDITEE)]
    return render_template("cb/users.html", users=listed, labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def new_user():  # type: ignore[no-untyped-def]
    """Create an account: username, name, e-mail, roles and a first password."""
    values: dict[str, Any] = {"roles": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            "username": request.form.get("username", ""),
            "full_name": request.form.get("full_name", ""),
            "email": request.form.get("email", ""),
            "roles": [r.value for r in _roles_from_form()],
        }
        try:
            user = accounts.add(
                server_work(),
                NewAccount(
                    values["username"],
                    values["full_name"],
                    values["email"],
                    _roles_from_form(),
                    request.form.get("password", ""),
                ),
            )
        except AccountError as exc:
            db_session().rollback()
            errors[exc.field] = exc.message
        else:
            db_session().commit()
            flash(f"The account {user.username} is created; give them their password in person.")
            return redirect(url_for("accounts.user", user_id=user.id))
    status = 422 if errors else 200
    html = render_template("cb/user_new.html", values=values, errors=errors, labels=ROLE_LABELS)
    return html, status


@bp.get("/users/<uuid:user_id>")
@requires(Action.MANAGE_USERS)
def user(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One account: roles, password reset, disabling, its sessions and laptops."""
    return _user_page(_user(user_id))


def _user_page(
    user: User,
    *,
    errors: dict[str, str] | None = None,
    roles: list[str] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    session = db_session()
    live = session.scalar(
        select(func.count())
        .select_from(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    )
    devices = session.scalars(select(Device).where(Device.user_id == user.id)).all()
    html = render_template(
        "cb/user.html",
        account=user,
        labels=ROLE_LABELS,
        roles=roles if roles is not None else user.role_names,
        errors=errors or {},
        live_sessions=live,
        devices=devices,
    )
    return html, status


@bp.post("/users/<uuid:user_id>/roles")
@requires(Action.MANAGE_USERS)
def set_roles(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    account = _user(user_id)
    picked = _roles_from_form()
    try:
        accounts.set_roles(server_work(), account, picked)
    except AccountError as exc:
        db_session().rollback()
        return _user_page(
            _user(user_id),
            errors={"roles": exc.message},
            roles=[r.value for r in picked],
            status=422,
        )
    db_session().commit()
    flash(f"The roles of {account.username} are saved.")
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/users/<uuid:user_id>/password")
@requires(Action.MANAGE_USERS)
def reset_password(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    account = _user(user_id)
    try:
        accounts.reset_password(server_work(), account, request.form.get("password", ""))
    except AccountError as exc:
        db_session().rollback()
        return _user_page(_user(user_id), errors={"password": exc.message}, status=422)
    db_session().commit()
    flash(
        f"The password of {account.username} is reset; their sessions ended and their "
        "laptops must sign in again."
    )
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/users/<uuid:user_id>/disable")
@requires(Action.MANAGE_USERS)
def disable(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    account = _user(user_id)
    try:
        ended = accounts.disable(server_work(), account)
    except AccountError as exc:
        db_session().rollback()
        return _user_page(_user(user_id), errors={"account": exc.message}, status=422)
    db_session().commit()
    flash(
        f"{account.username} is disabled: {ended['sessions_ended']} session(s) ended and "
        f"{ended['tokens_revoked']} laptop token(s) revoked."
    )
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/users/<uuid:user_id>/enable")
@requires(Action.MANAGE_USERS)
def enable(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    account = _user(user_id)
    accounts.enable(server_work(), account)
    db_session().commit()
    flash(f"{account.username} can sign in again (laptops sign in anew).")
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Action.CHANGE_OWN_PASSWORD)
def own_password():  # type: ignore[no-untyped-def]
    """The signed-in person changes their password; their other sessions end."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm_password", ""):
            errors["confirm_password"] = "The two new passwords differ; type them again."
        else:
            try:
                accounts.change_own_password(
                    server_work(), g.user, request.form.get("current_password", ""), new
                )
            except AccountError as exc:
                db_session().rollback()
                errors[exc.field] = exc.message
            else:
                sessions.end_others(db_session(), g.user, current_session_key())
                db_session().commit()
                flash("Your password is changed; your other sessions ended.")
                return redirect(url_for("planning.dashboard"))
    status = 422 if errors else 200
    return render_template("cb/password.html", errors=errors), status
