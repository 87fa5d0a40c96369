from __future__ import annotations

import stat

import pytest
import requests
from sqlalchemy import update

from auditkit.db import make_session_factory
from auditkit.models import Device, DeviceToken, utcnow
from sync import protocol
from sync.client.credentials import Credentials
from sync.client.http import SyncError, error_from, version_headers
from sync.server.auth import revoke_device


def test_login_stores_owner_only_device_bound_tokens(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    path = Credentials.path(anna.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = Credentials.load(anna.data_dir)
    with make_session_factory(server_engine)() as session:
        device = session.get(Device, __import__("uuid").UUID(credentials.device_id))
        hashes = {t.token_hash for t in session.query(DeviceToken).all()}
    assert device is not None and device.label is not None
    assert credentials.access_token not in hashes and credentials.refresh_token not in hashes


def test_wrong_password_and_non_auditors_are_refused(laptops) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SyncError) as wrong:
        laptops("anna").login("auditor1", "not-it")
    assert wrong.value.code == protocol.UNAUTHORIZED
    with pytest.raises(SyncError) as staff:
        laptops("pieter").login("planner")
    assert staff.value.status == 403


def test_expired_access_token_is_refreshed_without_fuss(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    with make_session_factory(server_engine).begin() as session:
        session.execute(
            update(DeviceToken).where(DeviceToken.kind == "access").values(expires_at=utcnow())
        )
    summary = anna.sync()
    assert summary.ok, summary.error
    assert Credentials.load(anna.data_dir).access_token  # the new token was saved


def test_revoked_laptop_is_refused_and_keeps_its_outbox(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer("iso9001-2015:7.2/1", notes="before revocation")
    device_id = __import__("uuid").UUID(Credentials.load(anna.data_dir).device_id)
    with make_session_factory(server_engine).begin() as session:
        revoke_device(session, device_id)
    summary = anna.sync()
    assert not summary.ok and summary.error_code == protocol.DEVICE_REVOKED
    assert "revoked" in summary.error
    assert anna.pending() == 1


@pytest.mark.parametrize(
    "protocol_version, schema, status, code",
    [
        (0, 1, 426, protocol.CLIENT_TOO_OLD),
        (1, 0, 426, protocol.CLIENT_TOO_OLD),
        (2, 1, 400, protocol.SERVER_TOO_OLD),
        (1, 99, 400, protocol.SERVER_TOO_OLD),
    ],
)
def test_version_mismatch_is_refused_clearly(
    cb_server, protocol_version, schema, status, code
) -> None:  # type: ignore[no-untyped-def]
    headers = {protocol.PROTOCOL_HEADER: str(protocol_version), protocol.SCHEMA_HEADER: str(schema)}
    response = requests.post(
        cb_server.url + protocol.API_PREFIX + "/pull", json={}, headers=headers, timeout=10
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and "stay on the laptop" in error["message"]


def test_too_old_client_keeps_data_and_outbox(laptops, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.answer("iso9001-2015:7.2/1", notes="kept")
    monkeypatch.setattr(protocol, "SCHEMA_VERSION", 0)
    summary = anna.sync()
    assert summary.error_code == protocol.CLIENT_TOO_OLD and anna.pending() == 1


def test_requests_without_token_or_versions_are_refused(cb_server) -> None:  # type: ignore[no-untyped-def]
    url = cb_server.url + protocol.API_PREFIX + "/pull"
    assert requests.post(url, json={}, headers=version_headers(), timeout=10).status_code == 401
    missing = requests.post(url, json={}, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_version"


def test_a_refusal_whose_body_was_cut_still_says_the_client_is_too_old() -> None:
    """A 426 whose JSON never arrived is still a clear "update this laptop"."""
    cut = requests.Response()
    cut.status_code, cut._content = 426, b'{"error": {"co'
    error = error_from(cut)
    assert error.code == protocol.CLIENT_TOO_OLD and "newer auditkit" in error.message
    other = requests.Response()
    other.status_code, other._content = 502, b""
    assert error_from(other).code == "error" and "502" in error_from(other).message
