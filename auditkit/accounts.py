"""Accounts: checking a username and password (used by staff sign-in and laptop enrolment)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from auditkit.models import User

# Spent on unknown usernames too, so response time does not tell which names exist.
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


def check_credentials(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.password_hash or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
