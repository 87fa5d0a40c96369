"""POST /push: the HTTP face of sync.engine.push."""

from __future__ import annotations

from flask import Blueprint, g

from auditkit.web.database import db_session
from sync import protocol
from sync.engine.errors import ApiError
from sync.engine.push import apply_in_order, parse_mutations
from sync.server import print_copies
from sync.server.errors import json_body


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/push", "push", push, methods=["POST"])


def push():  # type: ignore[no-untyped-def]
    """Apply mutations in seq order; each result is stored in the transaction of its effect."""
    body = json_body(protocol.PUSH_MAX_BYTES)
    device_id = g.sync_device.id
    if str(body.get("device_id", "")) != str(device_id):
        raise ApiError(403, protocol.UNAUTHORIZED, "The token belongs to another device.")
    mutations = parse_mutations(body)
    session = db_session()
    session.commit()  # end the auth lookups' transaction; the batch gets its own
    results = apply_in_order(
        session,
        device_id,
        g.sync_user,
        mutations,
        client_schema=g.get("sync_schema", protocol.SCHEMA_VERSION),
    )
    device = session.get(type(g.sync_device), device_id, populate_existing=True)
    print_copies.after_push(mutations, results)
    return {"last_seq": device.last_seq, "results": results}
