"""Photo bytes, out of band: ask what is missing, upload in verified chunks, resume after a cut.

A laptop reads a blob (GET, HEAD) only as the access policy allows (auditkit.access): the
photos of audits it may pull, or its own upload no photo names yet; of any other the server
answers as of a blob it does not have. Uploads are per device (sync.engine.blobs), so two
laptops sending the same photo never stand in each other's way.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, send_file
from sqlalchemy.orm import Session

from auditkit.access import held_blobs, readable_blobs
from auditkit.models import Blob, utcnow
from auditkit.photostore import PhotoStore
from auditkit.web.database import db_session
from sync import protocol
from sync.engine import blobs
from sync.server.errors import ApiError, json_body

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/blobs/check", "blobs_check", check, methods=["POST"])
    bp.add_url_rule("/blobs/<sha256>", "blob_head", head, methods=["HEAD"])
    bp.add_url_rule("/blobs/<sha256>", "blob_patch", patch, methods=["PATCH"])
    bp.add_url_rule("/blobs/<sha256>", "blob_get", download, methods=["GET"])


def blobs_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "blobs"


def store() -> PhotoStore:
    return PhotoStore(blobs_dir())


def _sha(value: str) -> str:
    if not SHA256.match(value):
        raise ApiError(400, protocol.INVALID, "A blob is named by 64 lower-case hex digits.")
    return value


def _readable(session: Session, sha256: str) -> bool:
    return (
        session.scalars(readable_blobs(g.sync_user, g.sync_device.id, [sha256])).first() is not None
    )


def check():  # type: ignore[no-untyped-def]
    """Which of these blobs the server lacks, and how far this laptop's uploads got.

    A blob counts as there only when this auditor has shown to have it (auditkit.access
    held_blobs); of any other the server asks for the bytes, so the answer reveals nothing
    about other teams' photos, and sending them makes this laptop one of its holders.
    """
    body = json_body()
    wanted = body.get("blobs")
    if not isinstance(wanted, list) or len(wanted) > 1000:
        raise ApiError(400, protocol.INVALID, "blobs must be a list of at most 1000 entries.")
    session = db_session()
    shas = [_sha(str(b.get("sha256", ""))) for b in wanted if isinstance(b, dict)]
    have = set(session.scalars(held_blobs(g.sync_user, shas)))
    missing = [s for s in shas if s not in have]
    uploads = blobs.live_uploads(session, g.sync_device.id, missing)
    return {
        "missing": missing,
        "partial": [
            {"sha256": s, "offset": uploads[s].offset}
            for s in missing
            if s in uploads and uploads[s].offset
        ],
    }


def head(sha256: str):  # type: ignore[no-untyped-def]
    """200 when stored and this laptop may read it; 204 with the offset of this laptop's
    upload under way; else 404, the same for a blob of someone else as for none at all."""
    sha256 = _sha(sha256)
    session = db_session()
    if _readable(session, sha256):
        blob = session.get(Blob, sha256)
        assert blob is not None
        return Response(
            status=200, headers={"Content-Length": str(blob.size), "Cache-Control": "no-store"}
        )
    upload = blobs.live_uploads(session, g.sync_device.id, [sha256]).get(sha256)
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


def patch(sha256: str):  # type: ignore[no-untyped-def]
    """Append one verified chunk at this laptop's offset; the last chunk verifies the whole."""
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
    device_id = g.sync_device.id
    if session.scalars(held_blobs(g.sync_user, [sha256])).first() is not None:
        # This auditor's laptops sent it already, or it is a photo of their audits: done.
        # (Another auditor's copy is no proof of this laptop's bytes: those it sends.)
        blobs.drop_upload(session, blobs_dir(), device_id, sha256)
        return Response(status=201, headers={"Upload-Offset": str(length)})
    if offset == 0 and len(chunk) == length:
        return _whole(session, sha256, chunk, digest.hex())
    upload = blobs.lock_upload(session, blobs_dir(), device_id, sha256, length)
    if offset != upload.offset:
        current = upload.offset
        session.commit()  # an upload started again stays started
        raise ApiError(
            409, protocol.OFFSET_MISMATCH, f"The server has {current} bytes.", offset=current
        )
    path = blobs.partial_path(blobs_dir(), device_id, sha256)
    blobs.append(path, offset, chunk)
    upload.offset = offset + len(chunk)
    upload.updated_at = utcnow()
    if upload.offset < length:
        session.commit()
        return Response(status=204, headers={"Upload-Offset": str(upload.offset)})
    data = path.read_bytes()
    session.delete(upload)
    if hashlib.sha256(data).hexdigest() != sha256:
        session.commit()
        path.unlink(missing_ok=True)
        raise ApiError(
            422,
            protocol.DIGEST_INVALID,
            "The bytes do not match their sha256; the upload starts again.",
        )
    blobs.store_verified(session, store(), sha256, data, device_id)  # commits
    path.unlink(missing_ok=True)
    return Response(status=201, headers={"Upload-Offset": str(length)})


def _whole(session: Session, sha256: str, data: bytes, actual: str) -> Response:
    """A photo that fits one request (the usual case): verify and store it in one step.

    No partial file and no upload row: the bytes go straight to the store (temp file,
    fsync, rename), then the blob row commits. Two laptops sending the same photo at once
    both end with the same verified file and one row, each as one of its holders.
    """
    if actual != sha256:
        raise ApiError(
            422,
            protocol.DIGEST_INVALID,
            "The bytes do not match their sha256; send the photo again.",
        )
    blobs.store_verified(session, store(), sha256, data, g.sync_device.id)
    blobs.drop_upload(session, blobs_dir(), g.sync_device.id, sha256)  # if one was under way
    return Response(status=201, headers={"Upload-Offset": str(len(data))})


def download(sha256: str):  # type: ignore[no-untyped-def]
    """A teammate's photo (or this laptop's own upload), with Range support; 404 for any
    blob this laptop may not read, the same as for one the server does not have."""
    sha256 = _sha(sha256)
    if not _readable(db_session(), sha256):
        raise ApiError(404, "not_found", "There is no such photo for you.")
    return send_file(store().path(sha256), mimetype="image/jpeg", conditional=True, max_age=0)
