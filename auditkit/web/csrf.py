"""CSRF protection for every state-changing request.

Other sites open in the same browser can post to 127.0.0.1, so each unsafe request
must carry the session's token: a form field `csrf_token` or, for htmx, the
`X-CSRF-Token` header (set once on <body> with hx-headers).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FIELD_NAME = "csrf_token"
HEADER_NAME = "X-CSRF-Token"


def init_app(app: Flask) -> None:
    app.config.setdefault("CSRF_EXEMPT_PREFIXES", ())
    app.before_request(_check_token)
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """The token of this browser session, created on first use."""
    token = session.get(FIELD_NAME)
    if not token:
        token = secrets.token_urlsafe(32)
        session[FIELD_NAME] = token
    return token


def _check_token() -> None:
    if request.method in SAFE_METHODS:
        return
    from flask import current_app

    if request.path.startswith(tuple(current_app.config["CSRF_EXEMPT_PREFIXES"])):
        return
    expected = session.get(FIELD_NAME)
    sent = request.headers.get(HEADER_NAME) or request.form.get(FIELD_NAME)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        abort(400, description="csrf")
