"""Portal sessions in the database, as staff sessions are (auditkit.sessions): the cookie
holds a random key, the server its sha256, so a cookie is worth nothing once the session
ends (sign-out, a new password, the account disabled), on any worker. Nothing commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from auditkit.models import PortalAccount, PortalSession, utcnow
from sync.tokens import new_token, token_hash

IDLE_LIMIT = timedelta(hours=2)
ABSOLUTE_LIMIT = timedelta(days=1)
_TOUCH_EVERY = timedelta(minutes=1)


def start(session: Session, account: PortalAccount, *, address: str, user_agent: str) -> str:
    key = new_token()
    session.add(
        PortalSession(
            key_hash=token_hash(key),
            account_id=account.id,
            address=address[:64],
            user_agent=user_agent[:200],
        )
    )
    account.last_sign_in_at = utcnow()
    return key


def account_of(session: Session, key: str, *, now: datetime | None = None) -> PortalAccount | None:
    now = now or utcnow()
    row = session.get(PortalSession, token_hash(key))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
        row.ended_at = now
        return None
    account = session.get(PortalAccount, row.account_id)
    if account is None or not account.is_active:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return account


def end(session: Session, key: str) -> None:
    row = session.get(PortalSession, token_hash(key))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
