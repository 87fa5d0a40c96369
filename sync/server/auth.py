"""Enrolment and bearer auth: a laptop trades the auditor's password for device-bound tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, g, request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auditkit import sessions, throttle
from auditkit.accounts import check_credentials
from auditkit.models import Device, DeviceToken, Role, User, utcnow
from auditkit.unit_of_work import Actor, ServerWork
from auditkit.web.database import db_session
from sync import device_keys, protocol
from sync.server.errors import ApiError, json_body
from sync.tokens import new_token, token_hash

OPEN_ENDPOINTS = {"sync_api.token", "sync_api.revoke", "sync_api.openapi"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/auth/token", "token", token, methods=["POST"])
    bp.add_url_rule("/auth/revoke", "revoke", revoke, methods=["POST"])


def token():  # type: ignore[no-untyped-def]
    """Password grant (enrolment, registers the device) or refresh grant."""
    body = json_body()
    session = db_session()
    grant = body.get("grant_type")
    if grant == "password":
        device = _enrol(session, body)
        tokens = issue_tokens(session, device)
    elif grant == "refresh_token":
        raw = str(body.get("refresh_token", ""))
        device = _refresh(session, raw)
        tokens = issue_tokens(session, device, refresh_token=raw)
    else:
        raise ApiError(400, protocol.INVALID, "grant_type is 'password' or 'refresh_token'.")
    user = session.get(User, device.user_id)
    session.commit()
    return {
        **tokens,
        "device_id": str(device.id),
        "last_seq": device.last_seq,
        "user": {"id": str(user.id), "username": user.username, "full_name": user.full_name},
    }


def _enrol(session: Session, body: dict) -> Device:  # type: ignore[type-arg]
    username, address = str(body.get("username", "")), request.remote_addr or ""
    try:
        throttle.check(session, username, address)
    except throttle.Throttled as exc:
        raise ApiError(
            429, protocol.TOO_MANY_ATTEMPTS, exc.message, retry_after=exc.retry_after
        ) from None
    user = check_credentials(session, username, str(body.get("password", "")))
    if user is None:
        throttle.failed(session, username, address)
        session.commit()  # the failure counts even though the request is refused
        raise ApiError(401, protocol.UNAUTHORIZED, "That username and password do not match.")
    throttle.succeeded(session, username, address)
    public_key = _public_key(body.get("public_key"))
    if not user.has_role(Role.AUDITOR):
        raise ApiError(403, "not_an_auditor", "Only auditors can link a laptop.")
    try:
        device_id = uuid.UUID(str(body.get("device_id", "")))
    except ValueError as exc:
        raise ApiError(400, protocol.INVALID, "device_id must be a UUID.") from exc
    device = session.get(Device, device_id, with_for_update=True)
    if device is None:
        device = Device(id=device_id, user_id=user.id, label=str(body.get("label", ""))[:200])
        session.add(device)
        session.flush()
    elif device.user_id != user.id:
        raise ApiError(409, "device_taken", "This laptop is linked to another auditor.")
    elif device.revoked_at is not None:
        raise ApiError(401, protocol.DEVICE_REVOKED, "This laptop's access was revoked by the CB.")
    if public_key is not None:
        device_keys.register(session, device, public_key)
    return device


def _public_key(raw: object) -> str | None:
    """The laptop's Ed25519 public key (64 hex digits), which signs its audit packages."""
    if raw is None:
        return None  # a laptop from before device keys: its packages cannot be imported
    if not isinstance(raw, str) or not device_keys.valid_public_key(raw):
        raise ApiError(400, protocol.INVALID, "public_key is an Ed25519 key as 64 hex digits.")
    return raw


def revoke():  # type: ignore[no-untyped-def]
    """`auditkit logout`: every token of the laptop holding this refresh token stops working.

    Answers the same whether or not the token was live, so a laptop that retries a logout
    after a cut network can stop retrying; the device stays registered for its next login.
    """
    raw = str(json_body().get("refresh_token", ""))[:200]
    session = db_session()
    row = session.scalars(
        select(DeviceToken).where(
            DeviceToken.token_hash == token_hash(raw), DeviceToken.kind == "refresh"
        )
    ).first()
    revoked = 0
    if row is not None:
        revoked = sessions.revoke_device_tokens(session, row.device_id)
        device = session.get(Device, row.device_id)
        user = session.get(User, device.user_id) if device else None
        ServerWork(session, Actor(user, f"device:{row.device_id}", row.device_id)).event(
            "device.logout", entity="device", entity_id=str(row.device_id)
        )
    session.commit()
    return {"revoked": revoked > 0}


def _refresh(session: Session, raw: str) -> Device:
    row = session.scalars(
        select(DeviceToken).where(
            DeviceToken.token_hash == token_hash(raw), DeviceToken.kind == "refresh"
        )
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise ApiError(401, protocol.UNAUTHORIZED, "Sign in again: run `auditkit login`.")
    device = session.get(Device, row.device_id)
    if device is None or device.revoked_at is not None:
        raise ApiError(401, protocol.DEVICE_REVOKED, "This laptop's access was revoked by the CB.")
    # Not rotated: a refresh answer lost on a bad network must not lock the laptop out.
    # Using it keeps it alive; 60 days without a sync and the auditor signs in again.
    row.expires_at = utcnow() + timedelta(seconds=protocol.REFRESH_TOKEN_SECONDS)
    return device


def issue_tokens(
    session: Session, device: Device, *, refresh_token: str | None = None
) -> dict[str, object]:
    """A new access token, and a new refresh token unless one is being used."""
    now = utcnow()
    # Expired access tokens are worth nothing: drop this device's, so they do not pile up.
    session.execute(
        delete(DeviceToken).where(
            DeviceToken.device_id == device.id,
            DeviceToken.kind == "access",
            DeviceToken.expires_at < now,
        )
    )
    access = new_token()
    session.add(
        DeviceToken(
            device_id=device.id,
            kind="access",
            token_hash=token_hash(access),
            expires_at=now + timedelta(seconds=protocol.ACCESS_TOKEN_SECONDS),
        )
    )
    refresh = refresh_token
    if refresh is None:
        refresh = new_token()
        session.add(
            DeviceToken(
                device_id=device.id,
                kind="refresh",
                token_hash=token_hash(refresh),
                expires_at=now + timedelta(seconds=protocol.REFRESH_TOKEN_SECONDS),
            )
        )
    return {
        "access_token": access,
        "expires_in": protocol.ACCESS_TOKEN_SECONDS,
        "refresh_token": refresh,
    }


def authenticate() -> None:
    """Every endpoint but enrolment needs a live access token of a device that is not revoked."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ApiError(401, protocol.UNAUTHORIZED, "Send the device's access token.")
    session = db_session()
    row = session.scalars(
        select(DeviceToken).where(
            DeviceToken.token_hash == token_hash(header[7:].strip()), DeviceToken.kind == "access"
        )
    ).first()
    if row is None:
        raise ApiError(401, protocol.UNAUTHORIZED, "This token is not valid; sign in again.")
    device = session.get(Device, row.device_id)
    if device is None or device.revoked_at is not None:
        raise ApiError(401, protocol.DEVICE_REVOKED, "This laptop's access was revoked by the CB.")
    if row.revoked_at is not None:
        raise ApiError(401, protocol.UNAUTHORIZED, "This token is not valid; sign in again.")
    if row.expires_at <= utcnow():
        raise ApiError(401, protocol.TOKEN_EXPIRED, "The access token expired; refresh it.")
    user = session.get(User, device.user_id)
    if user is None or not user.is_active or not user.has_role(Role.AUDITOR):
        raise ApiError(403, "not_an_auditor", "This account can no longer sync.")
    g.sync_device = device
    g.sync_user = user


def revoke_device(session: Session, device_id: uuid.UUID) -> Device:
    """Revoke a laptop: its tokens stop working at once (server CLI)."""
    device = session.get(Device, device_id)
    if device is None:
        raise LookupError(f"There is no device {device_id}.")
    now = utcnow()
    device.revoked_at = now
    for row in session.scalars(select(DeviceToken).where(DeviceToken.device_id == device_id)):
        row.revoked_at = row.revoked_at or now
    return device
