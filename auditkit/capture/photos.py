"""Adding photos to an item or a finding: normalise, store the bytes durably, then the row;
removing them; and the photos whose bytes are not on this laptop."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.capture.errors import Invalid
from auditkit.capture.workspace import Workspace
from auditkit.models import Finding, Photo, Response, UploadedBlob, utcnow
from auditkit.photos import normalize
from auditkit.photostore import PhotoStore
from auditkit.print_copies import keep_print_copy

MAX_CAPTION = 500


def add_photo(
    ws: Workspace,
    store: PhotoStore,
    data: bytes,
    *,
    response: Response | None = None,
    finding: Finding | None = None,
    caption: str = "",
    confirm_void: bool = False,
) -> Photo:
    """Normalise `data` (PhotoRejected if refused), write its bytes, then add the row.

    The bytes are fsynced and renamed into place before the row exists, so a crash can
    leave at most an unreferenced file, never a row without its photo.
    """
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise Invalid({"caption": f"Keep the caption under {MAX_CAPTION} characters."})
    ws.ensure_editable(confirm_void=confirm_void)
    return _store_and_add(ws, store, data, response=response, finding=finding, caption=caption)


def add_annotated_copy(
    ws: Workspace,
    store: PhotoStore,
    original: Photo,
    data: bytes,
    *,
    confirm_void: bool = False,
) -> Photo:
    """Add `data` (the original with drawings on it) as a new photo linked to `original`.

    The original keeps its row and bytes. The copy belongs where the original does (its item
    or finding), takes its caption and capture time, and syncs like any other photo.
    """
    if original.audit_id != ws.audit.id or original.deleted_at is not None:
        raise Invalid({"photo": "That photo is not part of this audit (or was removed)."})
    ws.ensure_editable(confirm_void=confirm_void)
    response = ws.session.get(Response, original.response_id) if original.response_id else None
    finding = ws.session.get(Finding, original.finding_id) if original.finding_id else None
    return _store_and_add(
        ws,
        store,
        data,
        response=response,
        finding=finding,
        caption=original.caption or "",
        annotated_from=original,
    )


def _store_and_add(
    ws: Workspace,
    store: PhotoStore,
    data: bytes,
    *,
    response: Response | None,
    finding: Finding | None,
    caption: str,
    annotated_from: Photo | None = None,
) -> Photo:
    """Normalise, store the bytes durably, then add the row and its outbox entry."""
    photo_data = normalize(data)
    store.put(photo_data.jpeg, photo_data.sha256)
    store.put_thumbnail(photo_data.thumbnail, photo_data.sha256)
    keep_print_copy(store, photo_data.sha256, photo_data.jpeg)
    taken_at = photo_data.taken_at
    if taken_at is not None and taken_at.tzinfo is not None:
        taken_at = taken_at.astimezone(UTC)  # an offset was recorded: store the instant
    if annotated_from is not None:
        taken_at = annotated_from.taken_at  # a drawing has no EXIF: it shows the same moment
    photo = Photo(
        id=uuid.uuid4(),
        audit_id=ws.audit.id,
        sha256=photo_data.sha256,
        size=photo_data.size,
        width=photo_data.width,
        height=photo_data.height,
        taken_at=taken_at,
        caption=caption,
        response_id=response.id if response else None,
        finding_id=finding.id if finding else None,
        annotated_from_id=annotated_from.id if annotated_from else None,
        created_by_id=ws.user_id,
        version=1,
    )
    ws.session.add(photo)
    ws.session.flush()
    payload = {
        "sha256": photo.sha256,
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "caption": caption,
        "item_key": response.item_key if response else None,
        "finding_id": str(finding.id) if finding else None,
    }
    if annotated_from is not None:
        payload["annotated_from_id"] = str(annotated_from.id)
    ws.record("photo.add.v1", str(photo.id), None, payload)
    return photo


def set_caption(ws: Workspace, photo: Photo, caption: str, *, confirm_void: bool = False) -> None:
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise Invalid({"caption": f"Keep the caption under {MAX_CAPTION} characters."})
    if caption == photo.caption:
        return
    ws.ensure_editable(confirm_void=confirm_void)
    base = photo.version
    photo.caption = caption
    photo.version += 1
    ws.record("photo.update.v1", str(photo.id), base, {"caption": caption})


def delete_photo(ws: Workspace, photo: Photo, *, confirm_void: bool = False) -> None:
    ws.ensure_editable(confirm_void=confirm_void)
    base = photo.version
    photo.deleted_at = utcnow()
    photo.version += 1
    ws.record("photo.delete.v1", str(photo.id), base, {})


@dataclass(frozen=True)
class MissingPhoto:
    """A photo of an audit whose bytes are not in this laptop's photo store."""

    photo: Photo
    attached_to: str  # "checklist item iso9001-2015 7.2/1", "finding NC-2", "" for nothing
    item_key: str
    finding_id: str
    # The server knows the bytes: this laptop sent them, or a pull brought a teammate's row
    # (whose laptop sends the bytes first); the next sync fetches them. Otherwise they never
    # left this laptop and are lost.
    on_server: bool


def missing_photos(
    session: Session, store: PhotoStore, audit_ids: Collection[uuid.UUID] | None = None
) -> list[MissingPhoto]:
    """Photos (not removed) of these audits, or of every audit, whose bytes are not in `store`.

    A photo whose bytes never arrived can never be sent, yet the server refuses a submission
    while any photo of the audit is missing there: the lead needs to see it to remove it.
    """
    query = (
        select(Photo, Response.item_key, Finding)
        .outerjoin(Response, Response.id == Photo.response_id)
        .outerjoin(Finding, Finding.id == Photo.finding_id)
        .where(Photo.deleted_at.is_(None))
        .order_by(Photo.audit_id, Photo.created_at)
    )
    if audit_ids is not None:
        query = query.where(Photo.audit_id.in_(audit_ids))
    rows = [row for row in session.execute(query) if not store.exists(row[0].sha256)]
    shas = {photo.sha256 for photo, _key, _finding in rows}
    confirmed = set(
        session.scalars(select(UploadedBlob.sha256).where(UploadedBlob.sha256.in_(shas)))
    )
    return [
        MissingPhoto(
            photo=photo,
            attached_to=_attached_to(item_key, finding),
            item_key=item_key or "",
            finding_id=str(finding.id) if finding else "",
            on_server=photo.sha256 in confirmed,
        )
        for photo, item_key, finding in rows
    ]


def _attached_to(item_key: str | None, finding: Finding | None) -> str:
    if finding is not None:
        number = finding.number or f"P{finding.local_number}"
        return f"finding {number}" + (" (deleted)" if finding.deleted_at else "")
    if item_key:
        return "checklist item " + item_key.replace(":", " ", 1)
    return ""
