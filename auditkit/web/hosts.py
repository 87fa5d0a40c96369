"""Refuse requests whose Host is not a loopback name (DNS rebinding defence).

A page on evil.example can make its own name resolve to 127.0.0.1 and then read the
field app as same-origin; checking the Host header stops that.
"""

from __future__ import annotations

from flask import Flask, abort, request

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def init_app(app: Flask) -> None:
    app.config.setdefault("ALLOWED_HOSTS", LOOPBACK_HOSTS)
    app.before_request(_check_host)


def host_name(host_header: str) -> str:
    """`127.0.0.1:5000` -> `127.0.0.1`; `[::1]:5000` -> `[::1]`."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def _check_host() -> None:
    from flask import current_app

    if host_name(request.host) not in current_app.config["ALLOWED_HOSTS"]:
        abort(400, description="host")
