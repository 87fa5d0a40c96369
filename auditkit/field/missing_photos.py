"""Photos whose file is not on this laptop: the list the Closing tab and the sync page show,
and their removal (a normal photo removal, which the server gets at the next sync)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import workflow
from auditkit.capture import ReadOnly, SignatureWouldBeVoided
from auditkit.capture.photos import MissingPhoto, delete_photo, missing_photos
from auditkit.field.context import load_workspace, photo_store
from auditkit.models import Audit, AuditClosure, Photo

bp = Blueprint("missing_photos", __name__)


@dataclass(frozen=True)
class MissingList:
    """What the list template needs: the photos, their audits, and which audits are signed."""

    photos: list[MissingPhoto]
    audits: dict[uuid.UUID, Audit]
    signed: set[uuid.UUID]


def editable_missing(session: Session) -> MissingList:
    """Missing photos of every audit on this laptop that can still change (the sync page)."""
    audits = {
        a.id: a for a in session.scalars(select(Audit)) if not workflow.content_locked(a.status)
    }
    photos = missing_photos(session, photo_store(), list(audits)) if audits else []
    return MissingList(photos, audits, _signed(session, {m.photo.audit_id for m in photos}))


def for_audit(audit: Audit, photos: list[MissingPhoto], signed: bool) -> MissingList:
    """One audit's missing photos (the Closing tab, from its completeness check)."""
    return MissingList(photos, {audit.id: audit}, {audit.id} if signed else set())


def _signed(session: Session, audit_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not audit_ids:
        return set()
    return set(
        session.scalars(
            select(AuditClosure.audit_id).where(
                AuditClosure.audit_id.in_(audit_ids), AuditClosure.signed_at.is_not(None)
            )
        )
    )


@bp.post("/audits/<uuid:audit_id>/missing-photos/<uuid:photo_id>/remove")
def remove(audit_id: uuid.UUID, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Remove a photo whose file is not on this laptop; the server removes it at the next sync."""
    ws = load_workspace(audit_id)
    back = _back(audit_id)
    photo = ws.session.get(Photo, photo_id)
    if photo is None or photo.audit_id != audit_id or photo.deleted_at is not None:
        abort(404, description="That photo is not part of this audit, or it was removed already.")
    if photo_store().exists(photo.sha256):
        flash(
            "This photo's file is on this laptop again, so it was not removed. It is shown "
            "with its item or finding; remove it there if you no longer want it.",
            "error",
        )
        return redirect(back)
    try:
        delete_photo(ws, photo, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except (ReadOnly, SignatureWouldBeVoided) as exc:
        ws.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    flash("Photo removed. The server removes it too at the next sync.")
    return redirect(back)


def _back(audit_id: uuid.UUID) -> str:
    """The page the list was shown on: the sync page or the audit's Closing tab."""
    if request.form.get("back") == "sync":
        return url_for("sync.page") + "#missing-photos"
    return url_for("closing.show", audit_id=audit_id) + "#missing-photos"
