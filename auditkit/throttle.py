"""Slowing down repeated failed sign-ins, per account and per address (no Flask).

Kept in the database (`sign_in_throttle`), so every gunicorn worker sees the same counts.
Three keys are counted for each failure:

- the account from this address: a few free failures, then a wait of 30 seconds that
  doubles with each further failure, up to 15 minutes. This is what stops one machine
  guessing one auditor's password;
- the address, across accounts: more free failures, the same doubling;
- the account from anywhere: many free failures, and a wait of at most a minute. A stranger
  on other addresses can slow an auditor down this way, but never lock them out for good;
  the auditor's own address has a key of its own.

While a key is blocked, attempts are answered "try again in N seconds" without checking the
password, and are not counted. A success clears the account's keys. Failures are forgotten
15 minutes after the first one of a run. Nothing commits here: the caller commits the
failure with its answer (a failed sign-in changes nothing else).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditkit.models import SignInThrottle, utcnow

WINDOW = timedelta(minutes=15)
FIRST_WAIT = timedelta(seconds=30)  # long enough that a script gains nothing, short for a typo


@dataclass(frozen=True)
class Rule:
    prefix: str
    free: int  # failures before the first wait
    longest: timedelta  # the wait doubles up to this


PAIR = Rule("pair", free=5, longest=timedelta(minutes=15))
ADDRESS = Rule("address", free=20, longest=timedelta(minutes=15))
ACCOUNT = Rule("account", free=50, longest=timedelta(minutes=1))


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return (
            f"Too many failed sign-ins. Wait {_duration(self.retry_after)} and try again; "
            "if you forgot your password, ask a CB admin to reset it."
        )


def _keys(username: str, address: str) -> list[tuple[Rule, str]]:
    name = username.strip().lower()[:80]
    return [
        (PAIR, f"pair:{name}|{address}"),
        (ADDRESS, f"address:{address}"),
        (ACCOUNT, f"account:{name}"),
    ]


def check(session: Session, username: str, address: str, *, now: datetime | None = None) -> None:
    """Raise Throttled if any key of this attempt is waiting."""
    now = now or utcnow()
    waits = [
        row.blocked_until
        for _rule, key in _keys(username, address)
        if (row := session.get(SignInThrottle, key)) is not None
        and row.blocked_until is not None
        and row.blocked_until > now
    ]
    if waits:
        raise Throttled(math.ceil((max(waits) - now).total_seconds()))


def failed(session: Session, username: str, address: str, *, now: datetime | None = None) -> None:
    """Count a failed attempt under each key; block a key once past its free failures."""
    now = now or utcnow()
    for rule, key in _keys(username, address):
        row = _row(session, key, now)
        if now - row.first_failure_at > WINDOW and not _blocked(row, now):
            row.failures, row.first_failure_at, row.blocked_until = 0, now, None
        row.failures += 1
        excess = row.failures - rule.free  # 0: the last free one; the next attempt waits
        if excess >= 0:
            wait = min(FIRST_WAIT * 2 ** min(excess, 20), rule.longest)
            row.blocked_until = now + wait
    session.flush()


def _row(session: Session, key: str, now: datetime) -> SignInThrottle:
    """The key's row, locked; made if missing (two workers may race to make it)."""
    row = session.get(SignInThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = SignInThrottle(key=key, failures=0, first_failure_at=now)
            session.add(row)
        return row
    except IntegrityError:
        return session.get(SignInThrottle, key, with_for_update=True, populate_existing=True)


def succeeded(session: Session, username: str, address: str) -> None:
    name = username.strip().lower()[:80]
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.key.in_([f"pair:{name}|{address}", f"account:{name}"])
        )
    )


def _blocked(row: SignInThrottle, now: datetime) -> bool:
    return row.blocked_until is not None and row.blocked_until > now


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"
