"""Issue 11 items 1 and 3 on a real server: the device key at login, and logout revoking.

Before: `auditkit logout` only deleted the laptop's token file, so a copy of its tokens kept
working on the server; and a laptop registered no key to sign its packages with.
"""

from __future__ import annotations

import json

import requests
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.models import DeviceKey, DeviceToken
from sync import device_keys
from sync.client.credentials import PENDING_FILE, Credentials
from sync.client.enrol import logout
from sync.protocol import API_PREFIX
from tests.factories import api_headers


def _pull(url: str, token: str) -> int:
    headers = api_headers(token)
    return requests.post(
        url + API_PREFIX + "/pull", json={"cursor": 0}, headers=headers
    ).status_code


def test_login_registers_the_laptops_device_key(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    key = device_keys.load(anna.data_dir)
    assert key is not None
    assert (anna.data_dir / device_keys.KEY_FILE).stat().st_mode & 0o777 == 0o600
    with make_session_factory(server_engine)() as session:
        stored = session.scalars(select(DeviceKey)).one()
    assert stored.public_key == device_keys.public_hex(key)
    # A second login keeps the same key.
    anna.login("auditor1")
    assert device_keys.public_hex(device_keys.load(anna.data_dir)) == stored.public_key


def test_logout_revokes_the_laptops_tokens_on_the_server(laptops, cb_server, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    copied = Credentials.load(anna.data_dir)
    assert _pull(cb_server.url, copied.access_token) == 200

    result = logout(anna.data_dir)
    assert result.was_linked and result.server_told
    assert Credentials.load(anna.data_dir) is None
    assert _pull(cb_server.url, copied.access_token) == 401
    refresh = requests.post(
        cb_server.url + API_PREFIX + "/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": copied.refresh_token},
        headers=api_headers("x"),
    )
    assert refresh.status_code == 401
    with make_session_factory(server_engine)() as session:
        assert all(t.revoked_at for t in session.scalars(select(DeviceToken)))
    # Signing in again works: the device stays registered, with fresh tokens.
    anna.login("auditor1")
    assert anna.sync().ok


def test_logout_offline_revokes_at_the_next_connection(laptops, cb_server) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    copied = Credentials.load(anna.data_dir)
    real_url = copied.server_url
    # The network is gone: point the credentials at a port nobody listens on.
    copied.server_url = "http://127.0.0.1:9"
    copied.save(anna.data_dir)

    result = logout(anna.data_dir)
    assert result.was_linked and not result.server_told
    pending = json.loads((anna.data_dir / PENDING_FILE).read_text())
    assert len(pending) == 1 and (anna.data_dir / PENDING_FILE).stat().st_mode & 0o777 == 0o600
    assert _pull(real_url, copied.access_token) == 200  # the server was not told yet

    # The network is back (the pending entry is fixed to the real server for the test).
    pending[0]["server_url"] = real_url
    (anna.data_dir / PENDING_FILE).write_text(json.dumps(pending))
    anna.login("auditor1")  # the next connection sends the revocation first
    assert not (anna.data_dir / PENDING_FILE).exists()
    assert _pull(real_url, copied.access_token) == 401
    assert anna.sync().ok  # the new tokens work
