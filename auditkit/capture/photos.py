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
    photo_data = normalize(data)
    store.put(photo_data.jpeg, photo_data.sha256)
    store.put_thumbnail(photo_data.thumbnail, photo_data.sha256)
    taken_at = photo_data.taken_at
    if taken_at is not None and taken_at.tzinfo is not None:
        taken_at = taken_at.astimezone(UTC)  # an offset was recorded: store the instant
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
        created_by_id=ws.user_id,
        version=1,
    )
    ws.session.add(photo)
    ws.session.flush()
    ws.record(
        "photo.add.v1",
        str(photo.id),
        None,
        {
            "sha256": photo.sha256,
            "size": photo.size,
            "width": photo.width,
            "height": photo.height,
            "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
            "caption": caption,
            "item_key": response.item_key if response else None,
            "finding_id": str(finding.id) if finding else None,
        },
    )
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
