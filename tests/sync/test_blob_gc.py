"""Garbage in the server's blob store (issue 11, item 7): lapsed uploads and their partial
files, and stored blobs nothing references once their grace period has passed."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, update

from auditkit.db import make_session_factory
from auditkit.models import (
    AuditStatus,
    Blob,
    BlobHolder,
    DeviceUpload,
    Photo,
    UploadedBlob,
    utcnow,
)
from auditkit.photostore import PhotoStore
from sync import protocol
from sync.engine.blobs import collect_garbage, partial_path

DAY = timedelta(days=1)


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def _world(factory, blobs_dir: Path):  # type: ignore[no-untyped-def]
    """Blobs and uploads of every kind, with their files; returns what must go and stay."""
    now = utcnow()
    store = PhotoStore(blobs_dir)
    auditor = factory.auditor()
    device = factory.device(auditor)
    audit = factory.audit(lead=auditor, status=AuditStatus.IN_PROGRESS)
    old, young = now - 8 * DAY, now - DAY
    blobs = {
        "old_unreferenced": (old, old),
        "old_named": (old, old),
        "old_named_by_a_deleted_photo": (old, old),
        "young_unreferenced": (young, young),
        "old_but_sent_again_lately": (old, now - timedelta(hours=1)),
    }
    for label, (created, arrived) in blobs.items():
        data = f"bytes of {label}".encode()
        sha = hashlib.sha256(data).hexdigest()
        store.put(data, sha)
        store.put_thumbnail(b"thumbnail of " + data, sha)
        store.put_print_copy(b"print copy of " + data, sha)
        factory.session.add(Blob(sha256=sha, size=len(data), created_at=created))
        factory.session.flush()
        factory.session.add(BlobHolder(sha256=sha, device_id=device.id, at=arrived))
    named = factory.photo(audit, sha256=hashlib.sha256(b"bytes of old_named").hexdigest())
    deleted = factory.photo(
        audit, sha256=hashlib.sha256(b"bytes of old_named_by_a_deleted_photo").hexdigest()
    )
    deleted.deleted_at = now
    assert named.sha256 != deleted.sha256
    uploads = {"lapsed": now - 2 * DAY, "live": now - timedelta(hours=1)}
    for label, at in uploads.items():
        sha = _sha(f"upload {label}")
        factory.session.add(
            DeviceUpload(
                device_id=device.id, sha256=sha, size=10, offset=4, created_at=at, updated_at=at
            )
        )
        partial_path(blobs_dir, device.id, sha).write_bytes(b"1234")
    stray_old = blobs_dir / "partial" / _sha("an upload from before s0003")
    stray_old.write_bytes(b"12")
    two_days_ago = (now - 2 * DAY).timestamp()
    os.utime(stray_old, (two_days_ago, two_days_ago))
    stray_new = blobs_dir / "partial" / f"{_sha('being written')}.{device.id.hex}"
    stray_new.write_bytes(b"1")
    factory.commit()
    return store, device


def test_gc_removes_lapsed_uploads_stray_partials_and_old_unreferenced_blobs_only(
    factory, server_engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    blobs_dir = tmp_path / "server" / "blobs"
    store, device = _world(factory, blobs_dir)
    gone_blob = hashlib.sha256(b"bytes of old_unreferenced").hexdigest()
    lapsed, live = _sha("upload lapsed"), _sha("upload live")
    stray = _sha("an upload from before s0003")

    with make_session_factory(server_engine)() as session:
        dry = collect_garbage(session, blobs_dir, dry_run=True)
    assert dry.blobs == [gone_blob]
    assert dry.uploads == [f"{lapsed} from device {device.id}"]
    assert dry.stray_partials == [stray]
    assert store.exists(gone_blob) and (blobs_dir / "partial" / stray).exists()

    with make_session_factory(server_engine)() as session:
        done = collect_garbage(session, blobs_dir)
    assert (done.blobs, done.uploads, done.stray_partials) == (dry.blobs, dry.uploads, [stray])
    assert done.bytes_freed == len(b"bytes of old_unreferenced") + 4 + 2

    with make_session_factory(server_engine)() as session:
        kept = set(session.scalars(select(Blob.sha256)))
        assert session.scalars(select(BlobHolder).where(BlobHolder.sha256 == gone_blob)).all() == []
        uploads = set(session.scalars(select(DeviceUpload.sha256)))
    assert gone_blob not in kept and len(kept) == 4
    assert not store.exists(gone_blob)
    assert not store.thumbnail_path(gone_blob).exists()
    assert not store.print_path(gone_blob).exists()
    assert all(store.exists(sha) and store.print_path(sha).exists() for sha in kept)
    assert uploads == {live}
    assert not partial_path(blobs_dir, device.id, lapsed).exists()
    assert partial_path(blobs_dir, device.id, live).exists()
    assert not (blobs_dir / "partial" / stray).exists()
    assert len(list((blobs_dir / "partial").iterdir())) == 2  # the live one, the fresh stray

    with make_session_factory(server_engine)() as session:
        assert collect_garbage(session, blobs_dir).nothing


def test_auditkit_blobs_gc_prints_what_it_removed(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from auditkit.cli import main

    blobs_dir = tmp_path / "server" / "blobs"  # AUDITKIT_SERVER_DATA_DIR is tmp_path/server
    _world(factory, blobs_dir)
    gone_blob = hashlib.sha256(b"bytes of old_unreferenced").hexdigest()
    runner = CliRunner()

    dry = runner.invoke(main, ["blobs", "gc", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove unreferenced blob {gone_blob}" in dry.output
    assert "would remove lapsed upload" in dry.output and "Would free" in dry.output
    assert PhotoStore(blobs_dir).exists(gone_blob)

    real = runner.invoke(main, ["blobs", "gc"])
    assert real.exit_code == 0, real.output
    assert f"removed unreferenced blob {gone_blob}" in real.output
    assert "1 lapsed uploads, 1 stray partial files, 1 unreferenced blobs" in real.output
    assert not PhotoStore(blobs_dir).exists(gone_blob)
    assert runner.invoke(main, ["blobs", "gc"]).output.strip() == "Nothing to remove."


def test_a_push_naming_bytes_gc_removed_meanwhile_gets_them_sent_again(
    laptops, server_engine, cb_server, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A laptop sent a photo, then could not push for longer than the grace period: the push
    is told the bytes are missing, and the next sync sends them again."""
    from sync.client.run import SyncRun

    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.photo("iso9001-2015:7.2/1", seed=6)
    real_push = SyncRun.push
    monkeypatch.setattr(SyncRun, "push", lambda self: None)  # the push is held up
    assert anna.sync().blobs_uploaded == 1
    with anna.session() as session:
        [sha] = session.scalars(select(UploadedBlob.sha256)).all()

    long_ago = utcnow() - timedelta(seconds=protocol.BLOB_GRACE_SECONDS + 60)
    blobs_dir = Path(cb_server.app.config["DATA_DIR"]) / "blobs"
    with make_session_factory(server_engine).begin() as session:
        session.execute(update(Blob).values(created_at=long_ago))
        session.execute(update(BlobHolder).values(at=long_ago))
    with make_session_factory(server_engine)() as session:
        assert collect_garbage(session, blobs_dir).blobs == [sha]

    monkeypatch.setattr(SyncRun, "push", real_push)
    first = anna.sync()
    assert first.ok and first.applied >= 1 and first.rejected == 0
    with make_session_factory(server_engine)() as session:
        assert session.scalars(select(Photo.sha256)).all() == [sha]
        assert session.get(Blob, sha) is None  # named, bytes gone: submit would wait
    with anna.session() as session:
        assert session.get(UploadedBlob, sha) is None  # so the laptop sends them again

    second = anna.sync()
    assert second.ok and second.blobs_uploaded == 1
    with make_session_factory(server_engine)() as session:
        assert session.get(Blob, sha) is not None
    assert PhotoStore(blobs_dir).verify(sha)
