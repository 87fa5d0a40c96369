"""API errors: a status, a stable code and a sentence, as JSON; version checks on every call."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sync import protocol
from sync.engine.errors import ApiError

__all__ = ["ApiError", "check_versions", "json_body", "register"]


def register(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):  # type: ignore[no-untyped-def]
        response = jsonify(error={"code": exc.code, "message": exc.message, **exc.extra})
        response.status_code = exc.status
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    @bp.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        code = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: protocol.PAYLOAD_TOO_LARGE,
        }.get(status, "error")
        response = jsonify(error={"code": code, "message": str(exc.description)})
        response.status_code = status
        return response


def check_versions() -> None:
    """Refuse a client whose protocol or schema this server does not speak, with the reason."""
    if request.endpoint and request.endpoint.endswith(".openapi"):
        return
    protocol_raw = request.headers.get(protocol.PROTOCOL_HEADER)
    schema_raw = request.headers.get(protocol.SCHEMA_HEADER)
    if protocol_raw is None or schema_raw is None:
        raise ApiError(
            400,
            "missing_version",
            f"Send the {protocol.PROTOCOL_HEADER} and {protocol.SCHEMA_HEADER} headers.",
        )
    try:
        client_protocol, client_schema = int(protocol_raw), int(schema_raw)
    except ValueError as exc:
        raise ApiError(400, "missing_version", "Version headers must be whole numbers.") from exc
    supported = {
        "min_protocol": min(protocol.SUPPORTED_PROTOCOLS),
        "max_protocol": max(protocol.SUPPORTED_PROTOCOLS),
        "min_schema": protocol.MIN_SCHEMA_VERSION,
        "max_schema": protocol.SCHEMA_VERSION,
    }
    if client_protocol < supported["min_protocol"] or client_schema < protocol.MIN_SCHEMA_VERSION:
        raise ApiError(
            426,
            protocol.CLIENT_TOO_OLD,
            "This version of auditkit is too old for the server. Update auditkit on this "
            "laptop; your data and unsent changes stay on the laptop.",
            **supported,
        )
    g.sync_schema = client_schema  # push upcasts, pull downcasts for an older laptop
    if client_protocol > supported["max_protocol"] or client_schema > protocol.SCHEMA_VERSION:
        raise ApiError(
            400,
            protocol.SERVER_TOO_OLD,
            "The server runs an older auditkit than this laptop. Ask the CB to update the "
            "server; your data and unsent changes stay on the laptop.",
            **supported,
        )


def json_body(limit: int = protocol.JSON_MAX_BYTES) -> dict[str, Any]:
    """The request's JSON object; a body above `limit` bytes is a 413.

    With a Content-Length the body is refused before it is read; a chunked body is read up
    to one byte past the limit (Werkzeug cuts a stream at max_content_length without saying
    so, hence the byte). JSON nested deeper than Python's parser recurses (a few hundred
    levels) is refused as invalid, never a server error: no body here nests that deep.
    """
    too_large = ApiError(
        413, protocol.PAYLOAD_TOO_LARGE, f"The request body is larger than {limit} bytes."
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    request.max_content_length = limit + 1
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise too_large
    body = None
    if request.is_json:
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            body = None
    if not isinstance(body, dict):
        raise ApiError(400, protocol.INVALID, "Send a JSON object as the request body.")
    return body
