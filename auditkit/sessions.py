"""Staff sessions in the database, and ending everything an account holds (no Flask).

The browser's signed cookie carries only a random key; the server keeps its sha256 and
whether the session ended, so a cookie replayed after sign-out, after a password reset or
after the account was disabled signs nobody in, on any worker. Nothing commits here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auditkit.models import Device, DeviceToken, StaffSession, User, utcnow
from sync.tokens import new_token, token_hash

IDLE_LIMIT = timedelta(hours=8)  # a working day without a click ends the session
ABSOLUTE_LIMIT = timedelta(days=7)
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


def start(session: Session, user: User, *, address: str, user_agent: str) -> str:
    """A new session of `user`; the raw key goes in the cookie and is never stored."""
    key = new_token()
    session.add(
        StaffSession(
            key_hash=token_hash(key),
            user_id=user.id,
            address=address[:64],
            user_agent=user_agent[:200],
        )
    )
    return key


def user_of(session: Session, key: str, *, now: datetime | None = None) -> User | None:
    """The active user whose live session `key` is, or None (and the session ends if stale)."""
    now = now or utcnow()
    row = session.get(StaffSession, token_hash(key))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
        row.ended_at = now
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end(session: Session, key: str) -> None:
    row = session.get(StaffSession, token_hash(key))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def end_others(session: Session, user: User, keep_key: str) -> int:
    """End every session of `user` but the one with `keep_key` (after a password change)."""
    result = session.execute(
        update(StaffSession)
        .where(
            StaffSession.user_id == user.id,
            StaffSession.ended_at.is_(None),
            StaffSession.key_hash != token_hash(keep_key),
        )
        .values(ended_at=utcnow())
    )
    return result.rowcount or 0


def end_everything(session: Session, user: User) -> dict[str, int]:
    """End all of `user`'s sessions and revoke every token of their laptops, at once."""
    now = utcnow()
    ended = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    ).rowcount
    devices = select(Device.id).where(Device.user_id == user.id)
    revoked = session.execute(
        update(DeviceToken)
        .where(DeviceToken.device_id.in_(devices), DeviceToken.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    return {"sessions_ended": ended or 0, "tokens_revoked": revoked or 0}


def revoke_device_tokens(session: Session, device_id: object) -> int:
    """`auditkit logout` on a laptop: its tokens stop working; the device stays registered."""
    return (
        session.execute(
            update(DeviceToken)
            .where(DeviceToken.device_id == device_id, DeviceToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
        or 0
    )
