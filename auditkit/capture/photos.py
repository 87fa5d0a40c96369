"""Adding photos to an item or a finding: normalise, store the bytes durably, then the row."""

from __future__ import annotations

import uuid
from datetime import UTC

from auditkit.capture.errors import Invalid
from auditkit.capture.workspace import Workspace
from auditkit.models import Finding, Photo, Response, utcnow
from auditkit.photos import normalize
from auditkit.photostore import PhotoStore

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
