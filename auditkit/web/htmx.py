"""htmx wiring: flask-htmx, and `Vary: HX-Request` on responses that switch on htmx."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_htmx import HTMX


def init_app(app: Flask) -> None:
    HTMX(app)
    app.after_request(_vary_on_htmx)


def _vary_on_htmx(response: Response) -> Response:
    if "HX-Request" in request.headers or request.method == "GET":
        response.vary.add("HX-Request")
    return response
