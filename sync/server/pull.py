"""POST /pull: the HTTP face of sync.engine.pull."""

from __future__ import annotations

import uuid

from flask import Blueprint, g

from auditkit.web.database import db_session
from sync import protocol
from sync.engine.errors import ApiError
from sync.engine.pull import page
from sync.server.errors import json_body


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/pull", "pull", pull, methods=["POST"])


def pull():  # type: ignore[no-untyped-def]
    """New audits in full, then changed rows of known audits after the cursor, in pages."""
    body = json_body()
    try:
        cursor = int(body.get("cursor", 0))
        known_audits = {uuid.UUID(str(a)) for a in body.get("known_audits", [])}
        known_checklists = {str(s) for s in body.get("known_checklists", [])}
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise ApiError(
            400, protocol.INVALID, "cursor, known_audits or known_checklists is bad."
        ) from exc
    if not 0 <= cursor <= protocol.INT_MAX:
        raise ApiError(400, protocol.INVALID, "cursor is out of range.")
    return page(
        db_session(),
        g.sync_user,
        cursor,
        known_audits,
        known_checklists,
        g.get("sync_schema", protocol.SCHEMA_VERSION),
    )
