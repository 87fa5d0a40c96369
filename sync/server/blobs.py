"""Photo bytes, out of band: ask what is missing, upload in verified chunks, resume after a cut."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, send_file
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditkit.access import syncable_audit_ids
from auditkit.files import open_private, private_dir
from auditkit.models import Blob, BlobUpload, Photo
from auditkit.photostore import PhotoStore
from auditkit.web.database import db_session
from sync import protocol
from sync.server.errors import ApiError, json_body

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/blobs/check", "blobs_check", check, methods=["POST"])
    bp.add_url_rule("/blobs/<sha256>", "blob_head", head, methods=["HEAD"])
    bp.add_url_rule("/blobs/<sha256>", "blob_patch", patch, methods=["PATCH"])
    bp.add_url_rule("/blobs/<sha256>", "blob_get", download, methods=["GET"])


def store() -> PhotoStore:
    return PhotoStore(Path(current_app.config["DATA_DIR"]) / "blobs")


def _partial_path(sha256: str) -> Path:
    return private_dir(Path(current_app.config["DATA_DIR"]) / "blobs" / "partial") / sha256


def _sha(value: str) -> str:
    if not SHA256.match(value):
        raise ApiError(400, protocol.INVALID, "A blob is named by 64 lower-case hex digits.")
    return value


def check():  # type: ignore[no-untyped-def]
    """Which of these blobs the server lacks, and how far partial uploads got."""
    body = json_body()
    wanted = body.get("blobs")
    if not isinstance(wanted, list) or len(wanted) > 1000:
        raise ApiError(400, protocol.INVALID, "blobs must be a list of at most 1000 entries.")
    session = db_session()
    shas = [_sha(str(b.get("sha256", ""))) for b in wanted if isinstance(b, dict)]
    have = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas))))
    uploads = {
        u.sha256: u.offset
        for u in session.scalars(select(BlobUpload).where(BlobUpload.sha256.in_(shas)))
    }
    missing = [s for s in shas if s not in have]
    return {
        "missing": missing,
        "partial": [{"sha256": s, "offset": uploads[s]} for s in missing if uploads.get(s)],
    }


def head(sha256: str):  # type: ignore[no-untyped-def]
    """200 when stored; 204 with the upload's offset when partial; 404 when unknown."""
    sha256 = _sha(sha256)
    session = db_session()
    blob = session.get(Blob, sha256)
    if blob is not None:
        return Response(
            status=200, headers={"Content-Length": str(blob.size), "Cache-Control": "no-store"}
        )
    upload = session.get(BlobUpload, sha256)
    if upload is None:
        return Response(status=404, headers={"Cache-Control": "no-store"})
    return Response(
        status=204,
        headers={
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.size),
            "Cache-Control": "no-store",
        },
    )


def _lock_upload(session: Session, sha256: str, size: int) -> BlobUpload:
    """The upload's row, locked for this request (row lock, or SQLite's write lock)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("UPDATE blob_uploads SET offset = offset WHERE sha256 = :s"), {"s": sha256}
        )
        upload = session.get(BlobUpload, sha256, populate_existing=True)
    else:
        upload = session.get(BlobUpload, sha256, with_for_update=True, populate_existing=True)
    if upload is None:
        upload = BlobUpload(sha256=sha256, size=size, offset=0)
        session.add(upload)
        session.flush()
    return upload


def patch(sha256: str):  # type: ignore[no-untyped-def]
    """Append one verified chunk at the server's offset; the last chunk verifies the whole."""
    sha256 = _sha(sha256)
    try:
        offset = int(request.headers["Upload-Offset"])
        length = int(request.headers["Upload-Length"])
    except (KeyError, ValueError) as exc:
        raise ApiError(400, protocol.INVALID, "Send Upload-Offset and Upload-Length.") from exc
    if not 0 <= offset <= protocol.BLOB_MAX_BYTES:
        raise ApiError(400, protocol.INVALID, "Upload-Offset is out of range.")
    if not 0 < length <= protocol.BLOB_MAX_BYTES:
        raise ApiError(413, "payload_too_large", "A photo may be at most 64 MB.")
    chunk = request.get_data(cache=False)
    if len(chunk) > protocol.CHUNK_SIZE or offset + len(chunk) > length:
        raise ApiError(400, protocol.INVALID, "The chunk is too long.")
    digest = hashlib.sha256(chunk).digest()  # one pass: the chunk's and, if whole, the photo's
    declared = request.headers.get("Upload-Checksum", "")
    if declared.startswith("sha256 "):
        try:
            expected = base64.b64decode(declared[7:], validate=True)
        except ValueError as exc:
            raise ApiError(400, protocol.INVALID, "Upload-Checksum is not base64.") from exc
        if expected != digest:
            raise ApiError(460, "checksum_mismatch", "The chunk arrived damaged; send it again.")
    session = db_session()
    session.commit()
    if session.get(Blob, sha256) is not None:
        return Response(status=201, headers={"Upload-Offset": str(length)})
    if offset == 0 and len(chunk) == length:
        return _whole(session, sha256, chunk, digest.hex())
    upload = _lock_upload(session, sha256, length)
    if upload.size != length:
        session.rollback()
        raise ApiError(409, protocol.OFFSET_MISMATCH, "Upload-Length differs from the start.")
    if offset != upload.offset:
        current = upload.offset
        session.rollback()
        raise ApiError(
            409, protocol.OFFSET_MISMATCH, f"The server has {current} bytes.", offset=current
        )
    path = _partial_path(sha256)
    with os.fdopen(open_private(path, os.O_RDWR | os.O_CREAT), "r+b") as handle:
        handle.truncate(offset)  # bytes beyond the recorded offset were never acknowledged
        handle.seek(offset)
        handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    upload.offset = offset + len(chunk)
    if upload.offset < length:
        session.commit()
        return Response(status=204, headers={"Upload-Offset": str(upload.offset)})
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        session.delete(upload)
        session.commit()
        path.unlink(missing_ok=True)
        raise ApiError(
            422,
            protocol.DIGEST_INVALID,
            "The bytes do not match their sha256; the upload starts again.",
        )
    store().put(data, sha256, checked=True)
    session.delete(upload)
    if session.get(Blob, sha256) is None:
        session.add(Blob(sha256=sha256, size=length))
    session.commit()
    path.unlink(missing_ok=True)
    return Response(status=201, headers={"Upload-Offset": str(length)})


def _whole(session: Session, sha256: str, data: bytes, actual: str) -> Response:
    """A photo that fits one request (the usual case): verify and store it in one step.

    No partial file and no upload row: the bytes go straight to the store (temp file,
    fsync, rename), then the blob row commits. Two laptops sending the same photo at once
    both end with the same verified file and one row.
    """
    if actual != sha256:
        raise ApiError(
            422,
            protocol.DIGEST_INVALID,
            "The bytes do not match their sha256; send the photo again.",
        )
    store().put(data, sha256, checked=True)
    try:
        session.add(Blob(sha256=sha256, size=len(data)))
        session.commit()
    except IntegrityError:
        session.rollback()  # the same photo arrived from someone else a moment ago
    return Response(status=201, headers={"Upload-Offset": str(len(data))})


def download(sha256: str):  # type: ignore[no-untyped-def]
    """A teammate's photo, with Range support; only for audits the auditor is on."""
    sha256 = _sha(sha256)
    session = db_session()
    allowed = session.scalars(
        select(Photo.id)
        .where(Photo.sha256 == sha256, Photo.audit_id.in_(syncable_audit_ids(g.sync_user)))
        .limit(1)
    ).first()
    if allowed is None or session.get(Blob, sha256) is None:
        raise ApiError(404, "not_found", "There is no such photo for you.")
    return send_file(store().path(sha256), mimetype="image/jpeg", conditional=True, max_age=0)
