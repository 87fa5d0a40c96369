"""Error pages in each app's own style, and JSON errors for API routes."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

# Stable codes and plain sentences for the reasons we abort with.
REASONS = {
    "csrf": (
        "csrf_failed",
        "This form has expired or was sent from another site. Go back, reload the page and "
        "send it again.",
    ),
    "host": (
        "host_not_allowed",
        "This app only answers on this computer's own address (127.0.0.1 or localhost).",
    ),
}

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "invalid",
    500: "internal_error",
}


def init_app(app: Flask, template: str) -> None:
    """Register handlers; `template` is the app's error page, e.g. `field/error.html`."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
        return _respond(exc, template)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        return _respond(InternalServerError(), template)


def describe(exc: HTTPException) -> tuple[str, str]:
    if exc.description in REASONS:
        return REASONS[exc.description]
    code = CODES.get(exc.code or 500, "error")
    if exc.code == 500:
        return code, "Something went wrong on our side. Nothing was saved from this request."
    return code, str(exc.description)


def _respond(exc: HTTPException, template: str):  # type: ignore[no-untyped-def]
    status = exc.code or 500
    code, message = describe(exc)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error={"code": code, "message": message})
        response.status_code = status
        return response
    return render_template(template, status=status, code=code, message=message), status
