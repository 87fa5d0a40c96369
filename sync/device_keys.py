"""Device keys: each laptop's Ed25519 key pair, which signs the audit packages it exports.

The laptop makes its key pair at `auditkit login` and keeps the private key in its data
folder (owner-only); the public key travels with the password grant and the server keeps it
per device (`device_keys`). An imported package must carry a signature by that key over its
manifest's exact bytes, so knowing a laptop's id is not enough to speak for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from auditkit.files import open_private, private_dir
from auditkit.models import Device, DeviceKey, utcnow

KEY_FILE = "device-key.pem"
SIGNATURE_BYTES = 64


def valid_public_key(hex_key: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except ValueError:
        return False
    return len(hex_key) == 64


# ---- laptop ----


def load(data_dir: Path) -> Ed25519PrivateKey | None:
    """This laptop's private key, or None if it never signed in with a device key."""
    if not (data_dir / KEY_FILE).exists():
        return None
    return load_or_create(data_dir)


def load_or_create(data_dir: Path) -> Ed25519PrivateKey:
    """This laptop's private key, made (mode 0600) on first use."""
    path = data_dir / KEY_FILE
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        private_dir(data_dir)
        temp = path.with_suffix(".tmp")
        with os.fdopen(open_private(temp), "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        return key
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key.")
    return key


def public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


# ---- server ----


def register(session: Session, device: Device, public_key: str) -> None:
    """Keep (or replace, at a new login) the device's public key."""
    row = session.get(DeviceKey, device.id)
    if row is None:
        session.add(DeviceKey(device_id=device.id, public_key=public_key))
    elif row.public_key != public_key:
        row.public_key, row.registered_at = public_key, utcnow()


def verify(session: Session, device_id: object, data: bytes, signature: bytes) -> bool:
    """Whether `signature` over `data` is by the key the device registered at login."""
    row = session.get(DeviceKey, device_id)
    if row is None or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(row.public_key)).verify(signature, data)
    except InvalidSignature:
        return False
    return True
