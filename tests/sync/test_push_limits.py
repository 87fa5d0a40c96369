"""Limits the server keeps itself (issue 11 items 6 and 10), not only the client.

- a push body above protocol.PUSH_MAX_BYTES is refused (413) before it is read, with or
  without a Content-Length; more than PUSH_MAX_MUTATIONS changes is a 400;
- yet the largest change the wire limits allow always fits a push of its own, so no change
  a laptop made can be stuck behind the limit;
- a base_version above the record's own is a recorded refusal that sends the server's row
  back, and the laptop takes it;
- JSON nested ~1000 deep is a 400 on the token grant (no sign-in needed) and on pull.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import requests
from sqlalchemy import select, update

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import AppliedMutation, AuditClosure, OutboxEntry, Response, SyncRejection
from sync import protocol, wire
from sync.client.credentials import Credentials
from sync.client.http import Api, version_headers

ITEM = "iso9001-2015:7.2/1"
WIDEST = "\U0001f600"  # one character, twelve bytes of JSON (an escaped surrogate pair)


def _api(laptop) -> Api:  # type: ignore[no-untyped-def]
    return Api(Credentials.load(laptop.data_dir), laptop.data_dir, attempts=1)


def _mutation(seq: int, name: str, payload: dict[str, Any], entity_id: str = ITEM, base=None):  # type: ignore[no-untyped-def]
    return {
        "seq": seq,
        "mutation_id": str(uuid.uuid4()),
        "name": name,
        "audit_id": str(AUDIT_ID),
        "entity_id": entity_id,
        "base_version": base,
        "payload": payload,
        "client_time": "2026-12-10T10:00:00+01:00",
    }


def _body(api: Api, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"device_id": api.credentials.device_id, "mutations": mutations}


# ---- the size of a push ------------------------------------------------------------------


def test_a_push_above_the_limit_is_refused_before_it_is_read(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    api = _api(laptops("anna").login("auditor1"))
    notes = "x" * (protocol.PUSH_MAX_BYTES // 90)
    mutations = [
        _mutation(seq, "answer.set.v1", {"item_key": f"iso9001-2015:7.{seq}/1", "notes": notes})
        for seq in range(1, 100)
    ]
    data = json.dumps(_body(api, mutations)).encode()
    assert len(data) > protocol.PUSH_MAX_BYTES
    answer = api.call("POST", "/push", data=data, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == protocol.PAYLOAD_TOO_LARGE

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    streamed = api.call(
        "POST", "/push", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    with make_session_factory(server_engine)() as session:
        assert session.scalars(select(AppliedMutation)).first() is None


def test_more_changes_than_a_push_may_hold_is_a_400(laptops) -> None:  # type: ignore[no-untyped-def]
    api = _api(laptops("anna").login("auditor1"))
    mutations = [
        _mutation(seq, "answer.set.v1", {"item_key": ITEM, "notes": str(seq)})
        for seq in range(1, protocol.PUSH_MAX_MUTATIONS + 2)
    ]
    answer = api.call("POST", "/push", json=_body(api, mutations))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == protocol.INVALID


def _largest(f: wire.Field) -> Any:
    """The value of `f` that takes the most bytes of JSON within the wire's limits."""
    text = WIDEST * f.limit
    return {
        wire.TEXT: text,
        wire.LINE: text,
        wire.MAYBE: text,
        wire.ENUM: max((m.value for m in f.enum or ()), key=len, default=""),
        wire.UUID: str(uuid.uuid4()),
        wire.IDS: [str(uuid.uuid4()) for _ in range(protocol.LIST_MAX)],
        wire.STRINGS: [text] * protocol.LIST_MAX,
        wire.DAY: "2026-12-10",
        wire.MOMENT: "2026-12-10T10:00:00.000000+01:00",
        wire.INT: protocol.INT_MAX,
        wire.DECIMAL: "-999999.999999",
        wire.BOOL: False,
        wire.REFS: [[WIDEST * 80, WIDEST * 40, WIDEST * 40]] * protocol.LIST_MAX,
        wire.ITEM_KEYS: [WIDEST * 120] * protocol.LIST_MAX,
        wire.ATTENDEES: [{"name": WIDEST * 200, "role": WIDEST * 200}] * 200,
    }[f.kind]


def test_the_largest_change_the_wire_allows_fits_a_push_of_its_own() -> None:
    """Whatever an auditor types within the field limits, the laptop can send it."""
    for entity in wire.ENTITIES.values():
        payload = {f.name: _largest(f) for f in entity.fields}
        mutation = _mutation(protocol.INT_MAX, f"{entity.name}.upsert.v1", payload, "e" * 120)
        body = {"device_id": str(uuid.uuid4()), "mutations": [mutation]}
        size = len(json.dumps(body))  # as requests sends it: ASCII, escaped
        assert size < protocol.PUSH_MAX_BYTES, (entity.name, size)


def test_the_largest_closing_record_is_applied_in_one_push(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    """A change larger than a laptop's batch target is still taken (and stored whole)."""
    api = _api(laptops("anna").login("auditor1"))
    payload = {f.name: WIDEST * f.limit for f in wire.CLOSURE.fields if f.kind == wire.TEXT}
    body = _body(api, [_mutation(1, "closure.set.v1", payload, str(AUDIT_ID))])
    assert len(json.dumps(body)) > protocol.PUSH_BATCH_BYTES
    answer = api.json("POST", "/push", body)
    assert [r["status"] for r in answer["results"]] == ["applied"], answer
    with make_session_factory(server_engine)() as session:
        closure = session.scalars(select(AuditClosure)).one()
        assert closure.conclusion == payload["conclusion"]


# ---- a base version the server never handed out -------------------------------------------


def test_a_base_version_ahead_of_the_server_is_refused_and_sent_back(
    laptops, server_engine
) -> None:  # type: ignore[no-untyped-def]
    api = _api(laptops("anna").login("auditor1"))
    answer = api.json(
        "POST",
        "/push",
        _body(
            api,
            [
                _mutation(1, "answer.set.v1", {"item_key": ITEM, "notes": "first"}),
                _mutation(2, "answer.set.v1", {"item_key": ITEM, "notes": "ahead"}, base=7),
            ],
        ),
    )
    first, ahead = answer["results"]
    assert first["status"] == "applied"
    assert (ahead["status"], ahead["code"]) == ("rejected", protocol.BASE_VERSION_AHEAD)
    assert "version 7" in ahead["message"] and ahead["result"]["server_row"]["notes"] == "first"
    restored = ahead["result"]["restore"]
    assert restored and restored[0]["data"]["notes"] == "first"
    with make_session_factory(server_engine)() as session:
        row = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        assert (row.notes, row.version) == ("first", 1)


def test_the_laptop_takes_the_servers_row_back_after_a_base_ahead(laptops) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.answer(ITEM, notes="synced")
    assert anna.sync().ok
    anna.answer(ITEM, notes="based on a version the server never gave")
    with anna.session() as session:  # as a laptop restored from a newer copy might hold it
        session.execute(update(OutboxEntry).values(base_version=40))
        session.execute(update(Response).where(Response.item_key == ITEM).values(version=41))
        session.commit()
    summary = anna.sync()
    assert summary.error == "" and anna.pending() == 0
    assert [r["code"] for r in summary.rejections] == [protocol.BASE_VERSION_AHEAD]
    with anna.session() as session:
        row = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        assert (row.notes, row.version) == ("synced", 1)
        kept = session.scalars(select(SyncRejection)).one()
        assert kept.payload["notes"] == "based on a version the server never gave"


# ---- JSON nested deeper than any body of the API ------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_server_error(laptops, cb_server) -> None:  # type: ignore[no-untyped-def]
    deep = '{"username": ' + "[" * 1000 + "]" * 1000 + "}"
    headers = {"Content-Type": "application/json", **version_headers()}
    token = requests.post(
        f"{cb_server.url}{protocol.API_PREFIX}/auth/token", data=deep, headers=headers, timeout=10
    )
    assert token.status_code == 400 and token.json()["error"]["code"] == protocol.INVALID
    api = _api(laptops("anna").login("auditor1"))
    pull = api.call("POST", "/pull", data='{"cursor": ' + "[" * 1000 + "]" * 1000 + "}")
    assert pull.status_code == 400 and pull.json()["error"]["code"] == protocol.INVALID
