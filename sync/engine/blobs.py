"""Photo bytes on the CB server: verified storage, who holds what, uploads, garbage (no Flask).

- Storing: bytes verified against their sha256 go into the blob store, then their Blob row,
  and the device that sent them becomes one of the blob's holders (BlobHolder). Who may
  read a blob, or name it in a photo, is the access policy's (auditkit.access).
- Uploads: one per device and blob (DeviceUpload), each with its own partial file, so one
  laptop's half-finished upload never blocks another's; whoever finishes first stores the
  blob. An upload idle for protocol.UPLOAD_IDLE_SECONDS lapses: its next chunk starts it
  again at 0.
- Garbage: `collect_garbage` removes lapsed uploads with their partial files, stray partial
  files, and stored blobs that nothing references once protocol.BLOB_GRACE_SECONDS have
  passed since they last arrived (photos arrive before the push that names them).
  `reference_sources` is the one list of what references a blob.

Storing and removing a blob take the same per-blob lock (`lock_blob`), so a removal never
races an upload or a photo naming the blob.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from auditkit.files import open_private, private_dir
from auditkit.models import Blob, BlobHolder, DeviceUpload, Photo, utcnow
from auditkit.photostore import PhotoStore
from sync import protocol

UPLOAD_IDLE = timedelta(seconds=protocol.UPLOAD_IDLE_SECONDS)
BLOB_GRACE = timedelta(seconds=protocol.BLOB_GRACE_SECONDS)
PARTIAL_DIR = "partial"


def reference_sources() -> list[InstrumentedAttribute[str]]:
    """Every column that names a stored blob by its sha256; gc keeps what any of them names.

    Photo rows of every audit, tombstoned ones included: a deleted photo stays part of the
    audit's record (pulled as a tombstone, named by the audit log and by annotated copies
    drawn on it, and the CB keeps audit records for the certification cycle), and bytes
    once removed cannot come back. Removing those is a retention rule, not garbage.
    A later kind of stored file (corrective-action evidence, stored report PDFs) adds its
    sha256 column here.
    """
    return [Photo.sha256]


def unreferenced() -> ColumnElement[bool]:
    """True for a Blob row that no record names (NOT EXISTS per source)."""
    return and_(*(~exists().where(column == Blob.sha256) for column in reference_sources()))


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def lock_blob(session: Session, sha256: str) -> None:
    """Hold the blob's lock until the transaction ends (whether or not the blob is stored).

    PostgreSQL: an advisory lock keyed by the sha256. SQLite: the database's write lock,
    which a write statement takes even when it changes no row.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(sha256[:15], 16)})
    else:
        session.execute(text("UPDATE blobs SET size = size WHERE sha256 = :sha"), {"sha": sha256})


def store_verified(
    session: Session,
    store: PhotoStore,
    sha256: str,
    data: bytes,
    device_id: uuid.UUID,
) -> None:
    """Store bytes that match `sha256` (the caller hashed them), their Blob row, and the
    device as one of its holders; commits. Several devices may store the same blob at once:
    each ends as a holder of one file and one row."""
    now = utcnow()
    lock_blob(session, sha256)
    store.put(data, sha256, checked=True)  # a no-op when the file is there already
    insert = _insert(session)
    session.execute(
        insert(Blob)
        .values(sha256=sha256, size=len(data), created_at=now)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    record_holder(session, sha256, device_id, now)
    session.commit()


def record_holder(
    session: Session, sha256: str, device_id: uuid.UUID, at: datetime | None = None
) -> None:
    """The device has shown it has this stored blob's bytes (now); the caller commits."""
    at = at or utcnow()
    insert = _insert(session)
    session.execute(
        insert(BlobHolder)
        .values(sha256=sha256, device_id=device_id, at=at)
        .on_conflict_do_update(index_elements=["sha256", "device_id"], set_={"at": at})
    )


# ---- uploads in progress ----


def partial_path(blobs_dir: Path, device_id: uuid.UUID, sha256: str) -> Path:
    """The partial file of one device's upload of one blob (the folder is made 0700)."""
    return private_dir(blobs_dir / PARTIAL_DIR) / f"{sha256}.{device_id.hex}"


def lapsed(upload: DeviceUpload, now: datetime) -> bool:
    return upload.updated_at < now - UPLOAD_IDLE


def live_uploads(
    session: Session, device_id: uuid.UUID, shas: Iterable[str]
) -> dict[str, DeviceUpload]:
    """This device's uploads of these blobs that have not lapsed, by sha256."""
    cutoff = utcnow() - UPLOAD_IDLE
    rows = session.scalars(
        select(DeviceUpload).where(
            DeviceUpload.device_id == device_id,
            DeviceUpload.sha256.in_(list(shas)),
            DeviceUpload.updated_at >= cutoff,
        )
    )
    return {row.sha256: row for row in rows}


def lock_upload(
    session: Session, blobs_dir: Path, device_id: uuid.UUID, sha256: str, size: int
) -> DeviceUpload:
    """This device's upload of the blob, locked for this request; new, or started again at 0
    when it lapsed, was declared with another size, or its partial file lost bytes."""
    now = utcnow()
    session.execute(
        _insert(session)(DeviceUpload)
        .values(
            device_id=device_id, sha256=sha256, size=size, offset=0, created_at=now, updated_at=now
        )
        .on_conflict_do_nothing(index_elements=["device_id", "sha256"])
    )  # a write: on SQLite it takes the write lock, so the read below is the latest
    upload = session.get(
        DeviceUpload,
        {"device_id": device_id, "sha256": sha256},
        with_for_update=session.get_bind().dialect.name == "postgresql",
        populate_existing=True,
    )
    assert upload is not None
    path = partial_path(blobs_dir, device_id, sha256)
    on_disk = path.stat().st_size if path.exists() else 0
    if lapsed(upload, now) or upload.size != size or on_disk < upload.offset:
        upload.size, upload.offset, upload.created_at, upload.updated_at = size, 0, now, now
    return upload


def append(path: Path, offset: int, chunk: bytes) -> None:
    """Write a chunk at `offset` of a partial file, durably; what lay beyond is dropped."""
    with os.fdopen(open_private(path, os.O_RDWR | os.O_CREAT), "r+b") as handle:
        handle.truncate(offset)  # bytes beyond the recorded offset were never acknowledged
        handle.seek(offset)
        handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())


def drop_upload(session: Session, blobs_dir: Path, device_id: uuid.UUID, sha256: str) -> None:
    """End this device's upload of the blob (row and partial file); commits."""
    session.execute(
        delete(DeviceUpload).where(
            DeviceUpload.device_id == device_id, DeviceUpload.sha256 == sha256
        )
    )
    session.commit()
    partial_path(blobs_dir, device_id, sha256).unlink(missing_ok=True)


# ---- garbage ----


@dataclass
class Collected:
    """What a garbage collection removed (or, in a dry run, would remove)."""

    uploads: list[str] = field(default_factory=list)  # "<sha256> from device <id>"
    stray_partials: list[str] = field(default_factory=list)  # file names
    blobs: list[str] = field(default_factory=list)  # sha256 values
    bytes_freed: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.uploads or self.stray_partials or self.blobs)


def collect_garbage(
    session: Session, blobs_dir: Path, *, now: datetime | None = None, dry_run: bool = False
) -> Collected:
    """Remove lapsed uploads, stray partial files, and unreferenced blobs past their grace.

    An upload lapses after protocol.UPLOAD_IDLE_SECONDS without a chunk. A partial file no
    upload owns (a crash between file and row, or an upload from before uploads were per
    device) goes once it is that old too. A stored blob goes when no record names it
    (`reference_sources`) and protocol.BLOB_GRACE_SECONDS have passed since its bytes last
    arrived from any device. Each removal re-checks under the lock uploads and photos take,
    so nothing named or resumed meanwhile is removed. Commits as it goes.
    """
    now = now or utcnow()
    store = PhotoStore(blobs_dir)
    done = Collected()
    _lapsed_uploads(session, blobs_dir, now, dry_run, done)
    _stray_partials(session, blobs_dir, now, dry_run, done)
    _unreferenced_blobs(session, store, now, dry_run, done)
    return done


def _lapsed_uploads(
    session: Session, blobs_dir: Path, now: datetime, dry_run: bool, done: Collected
) -> None:
    cutoff = now - UPLOAD_IDLE
    keys = session.execute(
        select(DeviceUpload.device_id, DeviceUpload.sha256).where(DeviceUpload.updated_at < cutoff)
    ).all()
    session.commit()
    for device_id, sha256 in keys:
        path = blobs_dir / PARTIAL_DIR / f"{sha256}.{device_id.hex}"
        size = path.stat().st_size if path.exists() else 0
        if not dry_run:
            # The row is locked by a chunk being written: the delete waits, then finds it
            # fresh and leaves it (the time is checked again).
            gone = session.execute(
                delete(DeviceUpload).where(
                    DeviceUpload.device_id == device_id,
                    DeviceUpload.sha256 == sha256,
                    DeviceUpload.updated_at < cutoff,
                )
            ).rowcount
            session.commit()
            if not gone:
                continue
            path.unlink(missing_ok=True)
        done.uploads.append(f"{sha256} from device {device_id}")
        done.bytes_freed += size


def _stray_partials(
    session: Session, blobs_dir: Path, now: datetime, dry_run: bool, done: Collected
) -> None:
    folder = blobs_dir / PARTIAL_DIR
    if not folder.is_dir():
        return
    owned = {
        f"{sha256}.{device_id.hex}"
        for device_id, sha256 in session.execute(
            select(DeviceUpload.device_id, DeviceUpload.sha256)
        )
    }
    session.commit()
    cutoff = (now - UPLOAD_IDLE).timestamp()
    for path in sorted(folder.iterdir()):
        if path.name in owned or not path.is_file():
            continue
        stat = path.stat()
        if stat.st_mtime >= cutoff:
            continue  # maybe an upload whose row is not committed yet
        if not dry_run:
            path.unlink(missing_ok=True)
        done.stray_partials.append(path.name)
        done.bytes_freed += stat.st_size


def _unreferenced_blobs(
    session: Session, store: PhotoStore, now: datetime, dry_run: bool, done: Collected
) -> None:
    cutoff = now - BLOB_GRACE
    candidates = session.execute(_unreferenced(cutoff)).all()
    session.commit()
    for sha256, size in candidates:
        if not dry_run:
            lock_blob(session, sha256)
            still = session.execute(_unreferenced(cutoff).where(Blob.sha256 == sha256)).first()
            if still is None:  # named, or sent again, meanwhile
                session.rollback()
                continue
            # Files first, under the lock: an upload of the same bytes waits for it, then
            # writes the file again and its row.
            store.remove(sha256)
            session.execute(delete(BlobHolder).where(BlobHolder.sha256 == sha256))
            session.execute(delete(Blob).where(Blob.sha256 == sha256))
            session.commit()
        done.blobs.append(sha256)
        done.bytes_freed += size


def _unreferenced(cutoff: datetime) -> Select[tuple[str, int]]:
    """Stored blobs no record names whose bytes last arrived before `cutoff`."""
    last_arrival = (
        select(func.max(BlobHolder.at)).where(BlobHolder.sha256 == Blob.sha256).scalar_subquery()
    )
    return (
        select(Blob.sha256, Blob.size)
        .where(
            unreferenced(),
            Blob.created_at < cutoff,
            func.coalesce(last_arrival, Blob.created_at) < cutoff,
        )
        .order_by(Blob.sha256)
    )
