"""Audit packages: an audit's unsent changes in one zip file, for when there is no network.

The laptop writes `manifest.json` (who made it, and its outbox entries as pushed on the wire),
`manifest.sig` (an Ed25519 signature of the manifest's exact bytes by the key the laptop
registered at `auditkit login`, sync.device_keys) and `photos/<sha256>.jpg` for every photo
those entries add. A package whose signature is not by its laptop's key is refused before
anything is written or said about the laptop's state. The CB imports the file through
the push path (sync.engine.push.apply_in_order), so the rules are the same as online: in seq
order, exactly once, rejections recorded; importing twice changes nothing.

Exporting leaves the outbox as it is. A later online sync pushes the same entries; the server
answers "duplicate" for each, and only then do they leave the laptop.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.models import (
    Audit,
    Blob,
    Device,
    LaptopIdentity,
    OutboxEntry,
    Role,
    UploadedBlob,
    User,
)
from auditkit.photostore import PhotoStore
from sync import device_keys, protocol
from sync.client import outbox
from sync.engine.apply import Mutation
from sync.engine.blobs import lock_blob, record_holder, store_verified
from sync.engine.errors import ApiError
from sync.engine.push import apply_in_order, parse_mutations

FORMAT = "auditkit-audit-package"
VERSION = 2  # 2: signed by the device key
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PHOTO_NAME = re.compile(r"photos/([0-9a-f]{64})\.jpg")
SHA256 = re.compile(r"[0-9a-f]{64}")

# Limits against damaged or hostile files (zip bombs): refused before anything is written.
MAX_PACKAGE_BYTES = 1024 * 1024 * 1024  # the zip file itself
MAX_PHOTOS = 5000
MAX_ENTRIES = MAX_PHOTOS + 1
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # all entries, uncompressed
MAX_MUTATIONS = 100_000


class PackageError(Exception):
    """The package cannot be made or is refused; the message says why in a sentence."""


@dataclass(frozen=True)
class PackagePhoto:
    sha256: str
    size: int


@dataclass
class Package:
    """A package read and checked: every photo's bytes match its sha256."""

    device_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    audit_id: uuid.UUID
    created_at: str
    mutations: list[Mutation]
    photos: list[PackagePhoto]
    schema: int = protocol.SCHEMA_VERSION  # of the laptop that made it (sync.schema upcasts)
    manifest_bytes: bytes = b""
    signature: bytes = b""  # by the device key, over manifest_bytes


@dataclass
class ExportSummary:
    path: Path
    audit_label: str  # its number, or its id before the CB numbered it
    mutations: int
    photos: int
    other_audits: list[str]  # audits whose earlier changes ride along (seq order)


@dataclass
class ImportResult:
    username: str
    audit_id: str
    audit_label: str
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    photos_stored: int = 0
    photos_present: int = 0
    error: str = ""  # the import stopped early (e.g. the laptop diverged); the rest is kept

    @property
    def ok(self) -> bool:
        return not self.error


# ---- laptop: export ----


def entries_to_export(entries: list[OutboxEntry], audit_id: uuid.UUID) -> list[OutboxEntry]:
    """The outbox up to the audit's last entry, since the server applies a laptop's changes in
    seq order: changes of other audits recorded in between ride along (else a gap stops it)."""
    last = max((e.seq for e in entries if e.audit_id == audit_id), default=None)
    return [] if last is None else [e for e in entries if e.seq <= last]


def build_package(
    session: Session,
    photos: PhotoStore,
    audit_id: uuid.UUID,
    target: Path,
    key: Ed25519PrivateKey | None,
) -> ExportSummary:
    """Write the package of one audit to `target` (atomically), signed with the laptop's device
    key (None: the laptop has none yet); the outbox is left as it is."""
    identity = session.scalars(select(LaptopIdentity)).first()
    if identity is None or not identity.server_url:
        raise PackageError(
            "This laptop has never been linked to the CB server: run `auditkit login URL` once "
            "while online; after that it can export without a network."
        )
    if key is None:
        raise PackageError(
            "This laptop has no device key yet (it was linked by an older auditkit): run "
            "`auditkit login URL` once while online; after that it can export without a network."
        )
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise PackageError(f"This laptop has no audit {audit_id}.")
    label = audit.number or str(audit.id)
    entries = entries_to_export(outbox.pending(session), audit_id)
    if not entries:
        raise PackageError(f"Audit {label} has no unsent changes: nothing to export.")
    wanted = _photos_of(session, photos, entries)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "device_id": str(identity.device_id),
        "user_id": str(identity.user_id),
        "username": identity.user.username,
        "audit_id": str(audit_id),
        "protocol": protocol.PROTOCOL_VERSION,
        "schema": protocol.SCHEMA_VERSION,
        "mutations": [outbox.wire(e) for e in entries],
        "photos": [{"sha256": p.sha256, "size": p.size} for p in wanted],
    }
    _write_zip(target, manifest, key, [(p.sha256, photos.path(p.sha256)) for p in wanted])
    others = sorted({str(e.audit_id) for e in entries if e.audit_id != audit_id})
    return ExportSummary(target, label, len(entries), len(wanted), others)


def _photos_of(
    session: Session, photos: PhotoStore, entries: list[OutboxEntry]
) -> list[PackagePhoto]:
    found: dict[str, PackagePhoto] = {}
    for entry in entries:
        if entry.name != "photo.add.v1":
            continue
        sha = str(entry.payload.get("sha256", ""))
        if sha in found:
            continue
        if photos.exists(sha):
            if not photos.verify(sha):
                raise PackageError(
                    f"The photo {sha[:12]}… on this laptop is damaged; the package was not made."
                )
            found[sha] = PackagePhoto(sha, photos.path(sha).stat().st_size)
        elif session.get(UploadedBlob, sha) is None:
            raise PackageError(
                f"The photo {sha[:12]}… is missing from this laptop and the server does not have "
                "it yet; the package was not made."
            )
        # else: the server verified these bytes before and they are gone here: the row suffices.
    return list(found.values())


def _write_zip(
    target: Path,
    manifest: dict[str, Any],
    key: Ed25519PrivateKey,
    files: list[tuple[str, Path]],
) -> None:
    """A temp file beside the target, fsynced, then renamed: never a half-written package."""
    manifest_bytes = json.dumps(manifest, indent=1).encode()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w") as archive:
                archive.writestr(MANIFEST, manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
                archive.writestr(SIGNATURE, device_keys.sign(key, manifest_bytes).hex())
                for sha, path in files:  # JPEG does not shrink: stored as they are
                    archive.write(path, f"photos/{sha}.jpg", compress_type=zipfile.ZIP_STORED)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---- server: read and check ----

Source = Path | str | IO[bytes]


@contextmanager
def _open(source: Source) -> Iterator[zipfile.ZipFile]:
    size = os.stat(source).st_size if isinstance(source, (str, Path)) else _stream_size(source)
    if size > MAX_PACKAGE_BYTES:
        raise PackageError(
            f"The file is {size // 2**20} MB; an audit package may be at most "
            f"{MAX_PACKAGE_BYTES // 2**20} MB."
        )
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise PackageError(
            "This file is not an audit package or it is damaged (it is not a readable zip file)."
        ) from exc
    except RuntimeError as exc:
        if "encrypted" not in str(exc):
            raise
        raise PackageError("This package is encrypted; auditkit packages never are.") from exc


def _stream_size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def read_package(source: Source) -> Package:
    """Open and check a package without writing anything (PackageError says what is wrong)."""
    with _open(source) as archive:
        return _check(archive)


def _check(archive: zipfile.ZipFile) -> Package:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageError(f"The package holds {len(infos)} files; at most {MAX_ENTRIES} are read.")
    names: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename not in (MANIFEST, SIGNATURE) and not PHOTO_NAME.fullmatch(info.filename):
            raise PackageError(
                f"The package holds {info.filename!r}, which is not part of an audit package; "
                "it is refused."
            )
        if info.filename in names:
            raise PackageError(f"The package holds {info.filename!r} twice; it is refused.")
        limit = {MANIFEST: MAX_MANIFEST_BYTES, SIGNATURE: 1024}.get(
            info.filename, protocol.BLOB_MAX_BYTES
        )
        if info.file_size > limit:
            raise PackageError(f"{info.filename} is larger than the {limit // 2**20} MB allowed.")
        names[info.filename] = info
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise PackageError(
            f"The package unpacks to more than {MAX_TOTAL_BYTES // 2**30} GB; it is refused."
        )
    if MANIFEST not in names:
        raise PackageError("The file has no manifest.json: it is not an audit package.")
    manifest_bytes = _read(archive, names[MANIFEST])
    package = _parse(_manifest(manifest_bytes))
    package.manifest_bytes = manifest_bytes
    package.signature = _signature(archive, names.get(SIGNATURE))
    listed = {p.sha256 for p in package.photos}
    held = {
        n.removeprefix("photos/").removesuffix(".jpg") for n in names if PHOTO_NAME.fullmatch(n)
    }
    if listed - held:
        sha = min(listed - held)
        raise PackageError(f"The manifest lists the photo {sha[:12]}… but the package lacks it.")
    if held - listed:
        sha = min(held - listed)
        raise PackageError(f"The photo {sha[:12]}… is in the package but not in its manifest.")
    for photo in package.photos:
        data = _read(archive, names[f"photos/{photo.sha256}.jpg"])
        if len(data) != photo.size or hashlib.sha256(data).hexdigest() != photo.sha256:
            raise PackageError(
                f"The photo {photo.sha256[:12]}… does not match its sha256: the file was damaged "
                "or changed after the export. Nothing was imported; ask for a new export."
            )
    return package


def _signature(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> bytes:
    if info is None:
        raise PackageError(
            "The package is not signed by its laptop; it is refused. Export it again."
        )
    try:
        return bytes.fromhex(_read(archive, info).decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise PackageError("The package's signature is damaged; it is refused.") from None


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, never more than it declared (the limits above checked that size)."""
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise PackageError(f"{info.filename} in the package is damaged.")
    return data


def _manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise PackageError("The package's manifest.json is not valid JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageError("This file is not an auditkit audit package (unknown manifest format).")
    if manifest.get("version") != VERSION:
        raise PackageError(
            f"This package has format version {manifest.get('version')!r}; this server reads "
            f"version {VERSION}. Export it again with the same auditkit version as the server."
        )
    client_protocol, schema = manifest.get("protocol"), manifest.get("schema")
    if not isinstance(client_protocol, int) or not isinstance(schema, int):
        raise PackageError("The manifest does not say which protocol and schema it follows.")
    if client_protocol < min(protocol.SUPPORTED_PROTOCOLS) or schema < protocol.MIN_SCHEMA_VERSION:
        raise PackageError(
            "The package was made by an auditkit too old for this server. Update auditkit on "
            "the laptop and export again; the changes are still on the laptop."
        )
    if client_protocol > max(protocol.SUPPORTED_PROTOCOLS) or schema > protocol.SCHEMA_VERSION:
        raise PackageError(
            "The package was made by a newer auditkit than this server runs. Update the server, "
            "then import it."
        )
    return manifest


def _parse(manifest: dict[str, Any]) -> Package:
    try:
        ids = [uuid.UUID(str(manifest[k])) for k in ("device_id", "user_id", "audit_id")]
        username, created_at = str(manifest["username"]), str(manifest["created_at"])
        raw_photos = manifest["photos"]
        photos = [PackagePhoto(str(p["sha256"]), int(p["size"])) for p in raw_photos]
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageError(
            "The manifest lacks device_id, user_id, username, audit_id, created_at or a "
            "well-formed photos list."
        ) from exc
    try:
        mutations = parse_mutations(manifest, limit=MAX_MUTATIONS)
    except ApiError as exc:
        raise PackageError(f"The package's changes are malformed: {exc.message}") from exc
    if len(photos) > MAX_PHOTOS or len({p.sha256 for p in photos}) != len(photos):
        raise PackageError("The manifest's photo list is too long or names a photo twice.")
    for photo in photos:
        if not SHA256.fullmatch(photo.sha256) or not 0 < photo.size <= protocol.BLOB_MAX_BYTES:
            raise PackageError("The manifest names a photo with a bad sha256 or size.")
    added = {str(m.payload.get("sha256")) for m in mutations if m.name == "photo.add.v1"}
    if any(p.sha256 not in added for p in photos):
        raise PackageError("The package holds a photo that none of its changes adds.")
    return Package(
        ids[0], ids[1], username, ids[2], created_at, mutations, photos, int(manifest["schema"])
    )


# ---- server: import ----


def import_package(session: Session, blobs: PhotoStore, source: Source) -> ImportResult:
    """Check the package, store its photos (verified), then apply it like a push of its laptop.

    Refusals (PackageError) write nothing. `blobs` is the server's blob store (DATA_DIR/blobs).
    """
    with _open(source) as archive:
        package = _check(archive)
        device, user = _sender(session, package)
        if not device_keys.verify(session, device.id, package.manifest_bytes, package.signature):
            raise PackageError(
                "The package's signature is not by the key its laptop registered at sign-in: "
                "it was not made by that laptop, or it was changed after the export. Nothing "
                "was imported."
            )
        first = package.mutations[0].seq if package.mutations else None
        if first is not None and first > device.last_seq + 1:
            raise PackageError(
                f"The package starts at the laptop's change #{first}, and the server lacks some "
                "of the changes before it. Sync the laptop or import its earlier package first."
            )
        audit = session.get(Audit, package.audit_id)
        label = (audit.number if audit else None) or str(package.audit_id)
        result = ImportResult(user.username, str(package.audit_id), label)
        _store_photos(session, blobs, archive, package, device.id, result)
    session.commit()  # end the lookups' transaction; the mutations get their own
    try:
        outcomes = apply_in_order(
            session, device.id, user, package.mutations, client_schema=package.schema
        )
    except ApiError as exc:
        outcomes = exc.extra.get("results", [])
        result.error = exc.message
    names = {m.seq: m.name for m in package.mutations}
    for outcome in outcomes:
        _count(result, outcome, names[outcome["seq"]])
    return result


def _sender(session: Session, package: Package) -> tuple[Device, User]:
    """The laptop and auditor the package claims, as the server knows them (else refused)."""
    device = session.get(Device, package.device_id)
    if device is None:
        raise PackageError(
            f"The server does not know the laptop {package.device_id} that made this package. "
            "The auditor must link it once with `auditkit login` while online."
        )
    if device.user_id != package.user_id:
        raise PackageError(
            f"The laptop {package.device_id} is linked to another auditor than "
            f"{package.username}, who the package names; it is refused."
        )
    if device.revoked_at is not None:
        raise PackageError(f"The laptop {package.device_id} was revoked by the CB; it is refused.")
    user = session.get(User, device.user_id)
    if user is None or not user.is_active or not user.has_role(Role.AUDITOR):
        raise PackageError(f"{package.username} can no longer sync; the package is refused.")
    return device, user


def _store_photos(
    session: Session,
    blobs: PhotoStore,
    archive: zipfile.ZipFile,
    package: Package,
    device_id: uuid.UUID,
    result: ImportResult,
) -> None:
    """Each photo into the blob store, its Blob row, and its laptop as one of its holders.

    `_check` matched every photo's bytes against its sha256: the package shows its laptop
    has them, as an upload would, so its photo.add may name them.
    """
    for photo in package.photos:
        lock_blob(session, photo.sha256)
        if session.get(Blob, photo.sha256, populate_existing=True) is not None:
            record_holder(session, photo.sha256, device_id)
            session.commit()
            result.photos_present += 1
            continue
        data = _read(archive, archive.getinfo(f"photos/{photo.sha256}.jpg"))
        store_verified(session, blobs, photo.sha256, data, device_id)  # commits
        result.photos_stored += 1


def _count(result: ImportResult, outcome: dict[str, Any], name: str) -> None:
    status = outcome["status"]
    if status == "applied":
        result.applied += 1
    elif status == "duplicate":
        result.duplicates += 1
    else:
        result.rejected += 1
    if outcome.get("original_status") == "rejected":
        result.rejections.append(
            {
                "seq": outcome["seq"],
                "name": name,
                "code": outcome.get("code", ""),
                "message": outcome.get("message", ""),
                "duplicate": status == "duplicate",
            }
        )
