"""Counting requests per key in a fixed window, in the database (no Flask).

The counts live in `rate_limits`, so every gunicorn worker (and every server behind one
database) shares them: a client cannot get a worker's worth of requests from each one.

Each request is one statement: an INSERT of a fresh window that, when the key has a row
already, turns into an UPDATE of it (ON CONFLICT DO UPDATE, which SQLite and PostgreSQL both
speak). The UPDATE starts the window again when the old one is over and counts one more hit
otherwise, and RETURNING gives back what it left, so two workers counting the same key at
the same moment never lose a hit between a read and a write. Nothing commits here: the
caller commits, and should do so straight away (the row stays locked until then).

A count is worth little once its window is over, so a caller whose transaction holds nothing
else may pass durable=False: on PostgreSQL that transaction's commit then returns without
waiting for its WAL to reach the disk (synchronous_commit off; a crash may forget the last
few counts, never corrupt them). That wait was most of what counting cost a request.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from auditkit.models import RateLimit, utcnow

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def hit(
    session: Session,
    key: str,
    *,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
    durable: bool = True,
) -> int | None:
    """Count one request under `key`: None while within `limit` requests per `window`,
    else the whole seconds to wait until the window is over (at least 1)."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise RuntimeError(f"rate limits need SQLite or PostgreSQL, not {dialect}")
    if not durable and dialect == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    fresh = _INSERTS[dialect](RateLimit).values(key=key[:120], window_start=now, hits=1)
    over = RateLimit.window_start <= now - window
    statement = fresh.on_conflict_do_update(
        index_elements=[RateLimit.key],
        # Both right-hand sides read the row as it was before this UPDATE.
        set_={
            "hits": case((over, 1), else_=RateLimit.hits + 1),
            "window_start": case((over, fresh.excluded.window_start), else_=RateLimit.window_start),
        },
    ).returning(RateLimit.hits, RateLimit.window_start)
    hits, started = session.execute(statement).one()
    if hits <= limit:
        return None
    return max(1, math.ceil((started + window - now).total_seconds()))


def prune(session: Session, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the counts of windows that began before `now - older_than` (a key seen again
    starts afresh anyway); the number of rows deleted. For a periodic job."""
    now = now or utcnow()
    result = session.execute(delete(RateLimit).where(RateLimit.window_start < now - older_than))
    return result.rowcount or 0
