"""CB accounts (no Flask): checking credentials, the password policy, and what admins do to
accounts: create, set roles, reset a password, disable and enable. Each change writes an
audit event through the caller's unit of work; disabling or resetting ends the account's
staff sessions and revokes its laptops' tokens at once (auditkit.sessions). Nothing commits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from auditkit import sessions
from auditkit.field_errors import FieldError
from auditkit.models import Role, User, UserRole
from auditkit.unit_of_work import ServerWork

# Spent on unknown usernames too, so response time does not tell which names exist.
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
# zxcvbn ships the 30,000 most common leaked passwords; we refuse any of them outright, and
# anything its estimator rates below "safely unguessable against online attacks" (3 of 4).
MIN_STRENGTH = 3
STAFF_ROLES = (Role.ADMIN, Role.PLANNER, Role.REVIEWER, Role.DECISION_MAKER, Role.AUDITOR)


class AccountError(FieldError):
    """An account change refused; `field` names the form field to show `message` beside."""


def check_credentials(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.password_hash or not user.is_active:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return None
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    return user if check_password_hash(user.password_hash, password) else None


def password_problem(password: str, *, username: str = "", full_name: str = "") -> str | None:
    """Why `password` is not good enough, in a sentence; None if it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters; a few words together work well."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    # Imported here: its word lists take a moment to load, and only password changes need them.
    from zxcvbn import zxcvbn

    if password.lower() in _common_passwords():
        return "This is one of the most common passwords; choose another."
    personal = [w for w in (username, *full_name.split()) if w]
    result = zxcvbn(password, user_inputs=personal)
    if result["score"] < MIN_STRENGTH:
        hint = result["feedback"].get("warning") or "It would be guessed too easily."
        return f"{hint.rstrip('.')}. Add another word or two."
    return None


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def find(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError("username", f"There is no account {username!r}.")
    return user


@dataclass(frozen=True)
class NewAccount:
    username: str
    full_name: str
    email: str
    roles: tuple[Role, ...]
    password: str


def add(work: ServerWork, new: NewAccount) -> User:
    """Create a staff account (CB staff and auditors; auditee contacts are the portal's)."""
    username = new.username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            "username",
            "Use 2-80 lower-case letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit.",
        )
    if work.session.scalars(select(User.id).where(User.username == username)).first():
        raise AccountError("username", f"The username {username!r} is taken.")
    full_name = new.full_name.strip()
    if not full_name or len(full_name) > 200:
        raise AccountError("full_name", "Give the person's full name (at most 200 characters).")
    email = new.email.strip()
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise AccountError("email", "This does not look like an e-mail address.")
    roles = _checked_roles(new.roles)
    problem = password_problem(new.password, username=username, full_name=full_name)
    if problem:
        raise AccountError("password", problem)
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        password_hash=generate_password_hash(new.password),
        roles=[UserRole(role=r) for r in roles],
    )
    work.session.add(user)
    work.session.flush()
    work.event(
        "user.add",
        entity="user",
        entity_id=str(user.id),
        detail={"username": username, "roles": [r.value for r in roles]},
    )
    return user


def set_roles(work: ServerWork, user: User, roles: Iterable[Role]) -> None:
    wanted = _checked_roles(tuple(roles))
    if user.has_role(Role.ADMIN) and Role.ADMIN not in wanted:
        _keep_an_admin(work.session, user)
    before = user.role_names
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=r) for r in wanted if not user.has_role(r)
    ]
    work.session.flush()
    work.event(
        "user.roles",
        entity="user",
        entity_id=str(user.id),
        detail={"from": before, "to": sorted(r.value for r in wanted)},
    )


def change_own_password(work: ServerWork, user: User, current: str, new: str) -> None:
    """The signed-in person changes their password; their other sessions end."""
    if not check_password_hash(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
        raise AccountError("current_password", "That is not your current password.")
    if new == current:
        raise AccountError("new_password", "Choose a password other than the current one.")
    problem = password_problem(new, username=user.username, full_name=user.full_name)
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash = generate_password_hash(new)
    work.event("user.password_change", entity="user", entity_id=str(user.id))


def reset_password(work: ServerWork, user: User, new: str) -> None:
    """An admin sets a new password: the account's sessions and laptop tokens end."""
    problem = password_problem(new, username=user.username, full_name=user.full_name)
    if problem:
        raise AccountError("password", problem)
    user.password_hash = generate_password_hash(new)
    ended = sessions.end_everything(work.session, user)
    work.event("user.password_reset", entity="user", entity_id=str(user.id), detail=ended)


def disable(work: ServerWork, user: User) -> dict[str, int]:
    """Nobody signs in as `user` any more: every session and laptop token ends now."""
    if work.actor.user is not None and work.actor.user.id == user.id:
        raise AccountError("account", "You cannot disable your own account.")
    if user.has_role(Role.ADMIN):
        _keep_an_admin(work.session, user)
    user.is_active = False
    ended = sessions.end_everything(work.session, user)
    work.event("user.disable", entity="user", entity_id=str(user.id), detail=ended)
    return ended


def enable(work: ServerWork, user: User) -> None:
    user.is_active = True
    work.event("user.enable", entity="user", entity_id=str(user.id))


def _checked_roles(roles: tuple[Role, ...]) -> tuple[Role, ...]:
    if not roles:
        raise AccountError("roles", "Give the account at least one role.")
    if any(r not in STAFF_ROLES for r in roles):
        raise AccountError("roles", "Auditee contacts are invited from their client's page.")
    return tuple(dict.fromkeys(roles))


def _keep_an_admin(session: Session, user: User) -> None:
    others = session.scalars(
        select(User.id)
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
    ).first()
    if others is None:
        raise AccountError("roles", "This is the last active admin; make someone else admin first.")
