"""/favicon.ico from static/: browsers ask for it on every page, and a 404 each time is noise."""

from __future__ import annotations

from flask import Flask, Response, current_app, send_from_directory


def init_app(app: Flask) -> None:
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon() -> Response:
    """The app's icon (the pages also name static/favicon.svg)."""
    response = send_from_directory(current_app.static_folder or "", "favicon.ico")
    response.cache_control.max_age = 7 * 24 * 3600
    return response
