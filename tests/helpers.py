"""Small helpers the tests share: signing in, reading the CSRF token from a page."""

from __future__ import annotations

import re

from auditkit.demo import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER_RE = re.compile(r'"X-CSRF-Token": "([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html) or HEADER_RE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def sign_in(client, username: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
