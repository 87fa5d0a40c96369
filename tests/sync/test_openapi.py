"""The OpenAPI 3.1 document in sync/openapi.json describes the sync API as the code behaves.

No validator package is installed, so these are structural checks: the version, every $ref,
the routes of the `sync_api` blueprint both ways, version headers, security, and the enums of
error codes and mutation names against the code that defines them.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

import sync.engine.push  # noqa: F401  (registers every mutation handler)
from sync import protocol
from sync.engine.apply import HANDLERS
from sync.server.spec import SPEC

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SERVER_DIR = Path(protocol.__file__).parent / "server"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(SPEC.read_text())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def _parameters(doc: dict[str, Any], path: str, operation: dict[str, Any]) -> list[dict]:  # type: ignore[type-arg]
    raw = doc["paths"][path].get("parameters", []) + operation.get("parameters", [])
    return [_resolve(doc, p["$ref"]) if "$ref" in p else p for p in raw]


def test_the_live_server_serves_the_document_without_headers_or_token(cb_server, doc) -> None:  # type: ignore[no-untyped-def]
    response = requests.get(cb_server.url + protocol.API_PREFIX + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == doc


def test_it_is_openapi_3_1_and_every_reference_resolves(doc) -> None:  # type: ignore[no-untyped-def]
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"] == str(protocol.PROTOCOL_VERSION)
    assert doc["servers"] == [{"url": protocol.API_PREFIX}]
    refs = _refs(doc)
    assert refs
    for ref in refs:
        _resolve(doc, ref)
    ids = [op["operationId"] for op in _operations(doc).values()]
    assert len(ids) == len(set(ids))
    for (path, method), operation in _operations(doc).items():
        assert operation.get("responses"), f"{method} {path} documents no response"


def test_every_route_of_the_blueprint_is_documented_and_nothing_else(cb_app, doc) -> None:  # type: ignore[no-untyped-def]
    routes = set()
    for rule in cb_app.url_map.iter_rules():
        if not rule.endpoint.startswith("sync_api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        path = path.removeprefix(protocol.API_PREFIX)
        methods = set(rule.methods or ()) - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")  # Flask adds HEAD to every GET rule
        routes |= {(path, method) for method in methods}
    assert routes == set(_operations(doc))


def test_version_headers_are_required_everywhere_but_on_the_document(doc) -> None:  # type: ignore[no-untyped-def]
    assert set(doc["components"]["parameters"]) >= {"SyncProtocol", "AppSchema"}
    wanted = {protocol.PROTOCOL_HEADER, protocol.SCHEMA_HEADER}
    for (path, method), operation in _operations(doc).items():
        headers = {
            p["name"]
            for p in _parameters(doc, path, operation)
            if p["in"] == "header" and p.get("required")
        }
        if path == "/openapi.json":
            assert not headers & wanted
        else:
            assert wanted <= headers, f"{method} {path} lacks the version headers"


def test_bearer_token_everywhere_but_enrolment_logout_and_the_document(doc) -> None:  # type: ignore[no-untyped-def]
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearerAuth": []}]
    for (path, _method), operation in _operations(doc).items():
        # Logout sends the refresh token itself: the access token may have run out.
        if path in ("/auth/token", "/auth/revoke", "/openapi.json"):
            assert operation["security"] == []
        else:
            assert "security" not in operation  # the document-wide bearer requirement


def _codes_in_server_code() -> set[str]:
    """Literal codes passed to ApiError(status, code, ...) and Rejected(code, ...)."""
    found = set()
    for source in SERVER_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            position = {"ApiError": 1, "Rejected": 0}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                found.add(getattr(protocol, arg.attr))
    return found


def test_every_error_code_is_in_the_enum(doc) -> None:  # type: ignore[no-untyped-def]
    enum = set(doc["components"]["schemas"]["ErrorCode"]["enum"])
    stable = {
        value
        for name, value in vars(protocol).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z_]+", value)
    }
    assert stable and stable <= enum, sorted(stable - enum)
    raised = _codes_in_server_code()
    assert "device_taken" in raised and raised <= enum, sorted(raised - enum)
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]


def test_every_mutation_name_is_in_the_enum_with_its_payload(doc) -> None:  # type: ignore[no-untyped-def]
    schemas = doc["components"]["schemas"]
    names = set(schemas["MutationName"]["enum"])
    assert set(HANDLERS) <= names, sorted(set(HANDLERS) - names)
    mutation = schemas["Mutation"]
    assert set(mutation["required"]) == {"seq", "mutation_id", "name", "audit_id"}
    assert set(mutation["properties"]) >= {"entity_id", "base_version", "payload", "client_time"}
    # One variant per name (name as its const), so a generator can pick a name and its payload.
    shaped = [variant["properties"]["name"]["const"] for variant in mutation["oneOf"]]
    assert sorted(shaped) == sorted(names)
    for variant in mutation["oneOf"]:
        assert "$ref" in variant["properties"]["payload"], variant["title"]
    push = schemas["PushRequest"]["properties"]["mutations"]
    assert push["maxItems"] == protocol.PUSH_MAX_MUTATIONS


def test_pull_changes_carry_entity_key_and_nullable_data(doc) -> None:  # type: ignore[no-untyped-def]
    change = doc["components"]["schemas"]["Change"]
    assert set(change["required"]) == {"audit_id", "entity", "key", "data"}
    assert {"type": "null"} in change["properties"]["data"]["anyOf"]
    pull = doc["components"]["schemas"]["PullResponse"]
    assert {"cursor", "more", "audits", "changes"} <= set(pull["required"])
