"""Linking this laptop to the CB server (`auditkit login`) and unlinking it."""

from __future__ import annotations

import platform
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from auditkit.db import make_engine, make_session_factory
from auditkit.models import LaptopIdentity, OutboxEntry, User
from sync import device_keys
from sync.client.credentials import Credentials, pending_logouts, save_pending_logouts
from sync.client.http import (
    TIMEOUT,
    UNCHANGED,
    SyncError,
    check_url,
    error_from,
    network_error,
    not_auditkit,
    version_headers,
)
from sync.protocol import API_PREFIX


def login(data_dir: Path, server_url: str, username: str, password: str) -> Credentials:
    """Register this laptop as a device of the auditor; store its tokens (mode 0600)."""
    check_url(server_url)
    flush_pending_logouts(data_dir)
    key = device_keys.load_or_create(data_dir)
    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            identity = session.scalars(select(LaptopIdentity)).first()
            device_id = identity.device_id if identity else uuid.uuid4()
            unsent = session.scalar(select(func.count(OutboxEntry.seq))) or 0
            owner = identity.user_id if identity else None
        try:
            response = requests.post(
                server_url.rstrip("/") + API_PREFIX + "/auth/token",
                json={
                    "grant_type": "password",
                    "username": username,
                    "password": password,
                    "device_id": str(device_id),
                    "label": platform.node()[:200],
                    "public_key": device_keys.public_hex(key),
                },
                headers=version_headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise network_error(exc, server_url, UNCHANGED) from exc
        if response.status_code != 200:
            raise error_from(response, UNCHANGED)
        body = _token_answer(response)
        user_id = uuid.UUID(body["user"]["id"])
        if owner is not None and owner != user_id and unsent:
            raise SyncError(
                0,
                "laptop_in_use",
                "This laptop holds unsent work of another auditor; sync it as that auditor first.",
            )
        with sessions.begin() as session:
            user = session.get(User, user_id) or User(id=user_id, password_hash="")
            user.username = body["user"]["username"]
            user.full_name = body["user"]["full_name"]
            session.add(user)
            session.flush()
            identity = session.scalars(select(LaptopIdentity)).first() or LaptopIdentity(id=1)
            identity.user_id, identity.device_id = user_id, device_id
            identity.server_url = server_url
            session.add(identity)
    finally:
        engine.dispose()
    credentials = Credentials(
        server_url=server_url,
        device_id=str(device_id),
        user_id=str(user_id),
        username=body["user"]["username"],
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
    )
    credentials.save(data_dir)
    return credentials


def _token_answer(response: requests.Response) -> dict[str, Any]:
    """The body of a granted login; any other shape did not come from an auditkit server."""
    try:
        body = response.json()
        uuid.UUID(body["user"]["id"])
        if not all(isinstance(body[k], str) for k in ("access_token", "refresh_token")):
            raise TypeError
        body["user"]["username"], body["user"]["full_name"]  # noqa: B018 (present)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise not_auditkit(response, UNCHANGED) from None
    return body


@dataclass(frozen=True)
class LogoutResult:
    was_linked: bool
    server_told: bool  # the server revoked the tokens (or there were none to revoke)


def logout(data_dir: Path, *, force: bool = False) -> LogoutResult:
    """Unlink this laptop: the server revokes its tokens, and they are deleted here.

    Refuses while changes are unsent (unless forced). When the server cannot be reached the
    tokens are deleted here anyway, and the revocation is kept and sent at the next
    connection (`auditkit login` or `sync`), until the server confirms it.
    """
    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    try:
        with make_session_factory(engine)() as session:
            unsent = session.scalar(select(func.count(OutboxEntry.seq))) or 0
    finally:
        engine.dispose()
    if unsent and not force:
        raise SyncError(
            0,
            "unsent_changes",
            f"{unsent} changes are not on the server yet; "
            "sync first (or use --force: they stay on this laptop).",
        )
    credentials = Credentials.load(data_dir)
    if credentials is None:
        return LogoutResult(was_linked=False, server_told=flush_pending_logouts(data_dir))
    pending = pending_logouts(data_dir)
    pending.append(
        {"server_url": credentials.server_url, "refresh_token": credentials.refresh_token}
    )
    save_pending_logouts(data_dir, pending)  # first: a crash now still revokes later
    Credentials.delete(data_dir)
    return LogoutResult(was_linked=True, server_told=flush_pending_logouts(data_dir))


def flush_pending_logouts(data_dir: Path) -> bool:
    """Tell the server(s) about logouts it has not confirmed; True when none are left."""
    left = []
    for entry in pending_logouts(data_dir):
        try:
            response = requests.post(
                str(entry.get("server_url", "")).rstrip("/") + API_PREFIX + "/auth/revoke",
                json={"refresh_token": str(entry.get("refresh_token", ""))},
                headers=version_headers(),
                timeout=TIMEOUT,
            )
            confirmed = response.status_code == 200
        except requests.RequestException:
            confirmed = False
        if not confirmed:
            left.append(entry)
    save_pending_logouts(data_dir, left)
    return not left
