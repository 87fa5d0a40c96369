"""Schemathesis drives every operation of sync/openapi.json against the real CB app.

Requests are generated from the document alone (valid and invalid ones) and sent through WSGI
to the app that `cb_app` builds, with the demo data seeded. Each carries auditor1's real device
token and the version headers of this build. No answer may be a server error, and every answer
must be one the document describes: a documented status, content type, headers and body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.models import Device
from sync import protocol
from sync.client.http import version_headers
from sync.server.spec import SPEC

# A chunk travels as it is, under the tus media type the sync client sends it with.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

schema = schemathesis.openapi.from_path(SPEC, config=schemathesis.Config.from_dict({"seed": 1}))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Fixed, so that the generated requests are the same on every run.
DEVICE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "auditkit:test:schemathesis-laptop")
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Laptop:
    """auditor1's enrolled device, as the sync client holds it."""

    access_token: str
    engine: Engine

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", **version_headers()}

    def last_seq(self) -> int:
        with make_session_factory(self.engine)() as session:
            device = session.get(Device, DEVICE_ID)
            return device.last_seq if device else 0


@pytest.fixture
def laptop(cb_app, seeded, server_engine: Engine) -> Laptop:  # type: ignore[no-untyped-def]
    """Enrol a laptop for auditor1 through the password grant, as `auditkit login` does."""
    response = cb_app.test_client().post(
        protocol.API_PREFIX + "/auth/token",
        json={
            "grant_type": "password",
            "username": "auditor1",
            "password": DEMO_PASSWORD,
            "device_id": str(DEVICE_ID),
            "label": "schemathesis",
        },
        headers=version_headers(),
    )
    assert response.status_code == 200, response.get_json()
    return Laptop(response.get_json()["access_token"], server_engine)


def _aim_at_the_audit(case: schemathesis.Case, laptop: Laptop) -> None:
    """Address a generated push to this device and, when valid, to its next seqs and the audit.

    A random device_id is refused with 403, and a random seq with seq_gap, before any handler
    runs; a repeated mutation_id is a duplicate that runs none. Invalid pushes keep the rest of
    what was generated, so that their refusal is what is tested.
    """
    body = case.body
    if case.operation.path != "/push" or not isinstance(body, dict):
        return
    body["device_id"] = str(DEVICE_ID)
    valid = case.meta is not None and case.meta.generation.mode.is_positive
    mutations = body.get("mutations")
    if not valid or not isinstance(mutations, list):
        return
    seq = laptop.last_seq()
    for mutation in mutations:
        seq += 1
        mutation["seq"] = seq
        mutation["mutation_id"] = str(uuid.uuid5(DEVICE_ID, str(seq)))
        mutation["audit_id"] = str(AUDIT_ID)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_without_server_errors(
    case: schemathesis.Case, cb_app: Any, laptop: Laptop
) -> None:
    _aim_at_the_audit(case, laptop)
    case.call_and_validate(app=cb_app, headers=laptop.headers(), checks=CHECKS)


def _mutation(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": 1,
        "mutation_id": str(uuid.uuid5(DEVICE_ID, name)),
        "name": name,
        "audit_id": str(AUDIT_ID),
        "entity_id": str(uuid.uuid5(DEVICE_ID, "entity")),
        "payload": payload,
    }


BIG = INT64_MAX + 1
FINDING = {"local_number": 1, "grade": "major"}
PHOTO = {"sha256": "a" * 64, "size": 1, "width": 1, "height": 1}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/pull", {"cursor": BIG}, id="pull-cursor-2**63"),
        pytest.param("/pull", {"cursor": 2**31}, id="pull-cursor-2**31"),
        pytest.param("/pull", {"cursor": 10**30}, id="pull-cursor-10**30"),
        pytest.param(
            "/push",
            {"mutations": [_mutation("finding.create.v1", {**FINDING, "local_number": BIG})]},
            id="finding-local-number-2**63",
        ),
        pytest.param(
            "/push",
            {"mutations": [_mutation("finding.create.v1", {**FINDING, "local_number": 2**31})]},
            id="finding-local-number-2**31",
        ),
        pytest.param(
            "/push",
            {"mutations": [_mutation("photo.add.v1", {**PHOTO, "width": BIG})]},
            id="photo-width-2**63",
        ),
        pytest.param(
            "/push",
            {"mutations": [_mutation("photo.add.v1", {**PHOTO, "size": 10**30})]},
            id="photo-size-10**30",
        ),
        pytest.param(
            "/push",
            {"mutations": [{**_mutation("answer.set.v1", {}), "seq": 10**30}]},
            id="push-seq-10**30",
        ),
    ],
)
def test_an_integer_too_large_for_the_database_is_refused_not_a_server_error(
    cb_app: Any, laptop: Laptop, path: str, body: dict[str, Any]
) -> None:
    if path == "/push":
        body = {"device_id": str(DEVICE_ID), **body}
    case = schema[path]["POST"].Case(body=body)
    case.call_and_validate(app=cb_app, headers=laptop.headers(), checks=[not_a_server_error])


def test_a_cursor_of_1e400_is_refused_not_a_server_error(cb_app: Any, laptop: Laptop) -> None:
    """JSON allows a number too large for a float; Python reads it as infinity."""
    reply = cb_app.test_client().post(
        "/api/sync/v1/pull",
        data='{"cursor": 1e400}',
        content_type="application/json",
        headers=laptop.headers(),
    )
    assert reply.status_code == 400 and reply.get_json()["error"]["code"] == "invalid"
