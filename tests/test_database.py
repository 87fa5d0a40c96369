from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from auditkit.db import make_engine


def test_sqlite_uses_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_foreign_keys_are_enforced(laptop_engine) -> None:  # type: ignore[no-untyped-def]
    import uuid
    from datetime import date, datetime

    from sqlalchemy.exc import IntegrityError

    from auditkit.models import Audit

    with pytest.raises(IntegrityError), laptop_engine.begin() as conn:
        conn.execute(
            Audit.__table__.insert().values(
                id=uuid.uuid4(),
                organisation_id=uuid.uuid4(),
                audit_type="stage1",
                status="planned",
                status_version=1,
                round=1,
                start_date=date(2026, 1, 1),
                end_date=date(2026, 1, 1),
                objectives="",
                scope="",
                criteria="",
                remote_use="",
                language="en",
                created_at=datetime(2026, 1, 1),
                updated_at=datetime(2026, 1, 1),
            )
        )
