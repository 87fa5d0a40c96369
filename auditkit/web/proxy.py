"""Behind a reverse proxy: whose address a request comes from.

Sign-in throttling, the public check's rate limit and the audit log all key on the client's
address. Behind nginx every request arrives from the proxy, so without this they would count
every visitor as one. AUDITKIT_PROXY_HOPS (default 0) says how many proxies stand in front;
werkzeug's ProxyFix then takes the address and the scheme from that many entries of
X-Forwarded-For and X-Forwarded-Proto. Only the proxies' own entries are trusted: a client
cannot pose as another address by sending the headers itself, as long as the number is right.
"""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

SETTING = "AUDITKIT_PROXY_HOPS"
MAX_HOPS = 5


def init_app(app: Flask) -> None:
    """Trust PROXY_HOPS proxies (a test's config wins over the environment)."""
    hops = app.config.setdefault("PROXY_HOPS", proxy_hops(os.environ.get(SETTING, "")))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def proxy_hops(raw: str) -> int:
    """The setting's value; a wrong one stops the server with the setting's name."""
    raw = raw.strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > MAX_HOPS:
        raise ValueError(
            f"{SETTING} must be the number of reverse proxies in front of the server "
            f"(0 to {MAX_HOPS}; 1 for one nginx), not {raw!r}."
        )
    return int(raw)
