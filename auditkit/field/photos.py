"""Photos: upload to an item or a finding, caption, remove, and serve the stored bytes."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.answers import ensure_response, find_response
from auditkit.capture.photos import add_annotated_copy, add_photo, delete_photo, set_caption
from auditkit.field.autosave import run_autosave
from auditkit.field.checklist import find_question
from auditkit.field.context import checklist_tree, dom_id, load_workspace, photo_store
from auditkit.field.items import pages, questions_under
from auditkit.models import Finding, Photo, Response
from auditkit.photos import PhotoRejected

bp = Blueprint("photos", __name__)
SHA256 = re.compile(r"^[0-9a-f]{64}$")
REFUSALS = (Invalid, ReadOnly, SignatureWouldBeVoided, PhotoRejected)


def _target(ws, form):  # type: ignore[no-untyped-def]
    """The item (its answer row, created if needed) or finding the photo belongs to."""
    finding_id = form.get("finding_id")
    if finding_id:
        try:
            finding = ws.session.get(Finding, uuid.UUID(finding_id))
        except ValueError:
            finding = None
        if finding is None or finding.audit_id != ws.audit.id or finding.deleted_at:
            abort(404, description="That finding is not part of this audit.")
        return None, finding, str(finding.id)
    item_key = form.get("item_key") or ""
    find_question(checklist_tree(ws.audit), item_key)
    return item_key, None, dom_id(item_key)


def _gallery(ws, item_key, finding, owner, errors=(), status=200):  # type: ignore[no-untyped-def]
    query = select(Photo).where(Photo.audit_id == ws.audit.id, Photo.deleted_at.is_(None))
    if finding is not None:
        query = query.where(Photo.finding_id == finding.id)
    else:
        response = find_response(ws, item_key)
        query = query.where(Photo.response_id == (response.id if response else None))
    photos = ws.session.scalars(query.order_by(Photo.created_at)).all()
    target_name, target_value = (
        ("finding_id", str(finding.id)) if finding else ("item_key", item_key)
    )
    html = render_template(
        "field/_gallery.html",
        audit=ws.audit,
        photos=photos,
        owner=owner,
        target_name=target_name,
        target_value=target_value,
        upload_errors=list(errors),
        signed=ws.is_signed(),
    )
    return html, status


@bp.post("/audits/<uuid:audit_id>/photos")
def upload(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Add uploaded photos; each is its own transaction, so one bad file loses no other."""
    ws = load_workspace(audit_id)
    item_key, finding, owner = _target(ws, request.form)
    files = [f for f in request.files.getlist("photos") if f and f.filename is not None]
    errors, added = [], 0
    if not files:
        errors.append("Choose one or more photos to add.")
    for upload_file in files:
        data = upload_file.read()
        name = upload_file.filename or "photo"
        try:
            response = None
            if item_key is not None:
                response = ensure_response(ws, item_key)
            add_photo(
                ws,
                photo_store(),
                data,
                response=response,
                finding=finding,
                confirm_void=request.form.get("confirm_void") == "1",
            )
            ws.session.commit()
            added += 1
        except REFUSALS as exc:
            ws.session.rollback()
            errors.append(f"{name}: {_message(exc)}")
    return _gallery(ws, item_key, finding, owner, errors, 200 if added or not errors else 422)


def _message(exc: Exception) -> str:
    if isinstance(exc, Invalid):
        return " ".join(exc.errors.values())
    return str(exc)


def _own_photo(ws, photo_id: uuid.UUID) -> Photo:  # type: ignore[no-untyped-def]
    photo = ws.session.get(Photo, photo_id)
    if photo is None or photo.audit_id != ws.audit.id or photo.deleted_at is not None:
        abort(404, description="That photo is not part of this audit.")
    return photo


@bp.post("/audits/<uuid:audit_id>/photos/<uuid:photo_id>/caption")
def caption(audit_id: uuid.UUID, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Save a photo's caption (htmx); answers with its save state."""
    ws = load_workspace(audit_id)
    photo = _own_photo(ws, photo_id)
    form = request.form
    status, state = run_autosave(
        ws,
        lambda: set_caption(
            ws, photo, form.get("caption", ""), confirm_void=form.get("confirm_void") == "1"
        ),
    )
    return render_template("field/_save_state.html", dom=f"photo-{photo_id}", **state), status


@bp.post("/audits/<uuid:audit_id>/photos/<uuid:photo_id>/delete")
def delete(audit_id: uuid.UUID, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Remove a photo (a tombstone; the bytes stay until sync has settled)."""
    ws = load_workspace(audit_id)
    photo = _own_photo(ws, photo_id)
    finding = ws.session.get(Finding, photo.finding_id) if photo.finding_id else None
    response = ws.session.get(Response, photo.response_id) if photo.response_id else None
    item_key = response.item_key if response else None
    owner = request.form.get("owner") or (str(finding.id) if finding else dom_id(item_key or ""))
    errors = []
    try:
        delete_photo(ws, photo, confirm_void=request.form.get("confirm_void") == "1")
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        errors.append(_message(exc))
    return _gallery(ws, item_key, finding, owner, errors, 422 if errors else 200)


@bp.get("/audits/<uuid:audit_id>/photos/<uuid:photo_id>/annotate")
def annotate(audit_id: uuid.UUID, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Draw arrows, circles and labels on a photo, to save as a copy."""
    ws = load_workspace(audit_id)
    photo = _own_photo(ws, photo_id)
    refusal, status = "", 200
    try:
        ws.ensure_not_locked()
    except ReadOnly as exc:
        refusal, status = str(exc), 409
    html = render_template(
        "field/annotate.html",
        audit=ws.audit,
        photo=photo,
        back_url=_home(ws, photo),
        signed=ws.is_signed(),
        refusal=refusal,
    )
    return html, status


@bp.post("/audits/<uuid:audit_id>/photos/<uuid:photo_id>/annotated")
def save_annotated(audit_id: uuid.UUID, photo_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Add the drawn image (file field `image`) as a new photo linked to the original."""
    ws = load_workspace(audit_id)
    original = _own_photo(ws, photo_id)
    upload_file = request.files.get("image")
    data = upload_file.read() if upload_file else b""
    if not data:
        return _refused(400, "no_image", "No drawn image arrived: draw on the photo, then save.")
    try:
        copy = add_annotated_copy(
            ws,
            photo_store(),
            original,
            data,
            confirm_void=request.form.get("confirm_void") == "1",
        )
        ws.session.commit()
    except REFUSALS as exc:
        ws.session.rollback()
        if isinstance(exc, SignatureWouldBeVoided):
            return _refused(409, "signature_would_be_voided", str(exc))
        if isinstance(exc, ReadOnly):
            return _refused(409, "read_only", str(exc))
        return _refused(422, "invalid", _message(exc))
    location = _home(ws, original)
    if _wants_json():
        return jsonify(photo_id=str(copy.id), location=location), 201
    return redirect(location, 303)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    """The JSON error annotate.js shows; the error page for a plain form post."""
    if _wants_json():
        return jsonify(error={"code": code, "message": message}), status
    html = render_template("field/error.html", status=status, code=code, message=message)
    return html, status


def _home(ws, photo: Photo) -> str:  # type: ignore[no-untyped-def]
    """Where the photo is shown: its finding's page, or its item on the checklist page."""
    if photo.finding_id:
        return url_for("findings.edit", audit_id=ws.audit.id, finding_id=photo.finding_id)
    response = ws.session.get(Response, photo.response_id) if photo.response_id else None
    if response is None:
        return url_for("checklist.page", audit_id=ws.audit.id)
    section = next(
        (
            node.key
            for node in pages(checklist_tree(ws.audit))
            if any(q.item_key == response.item_key for q in questions_under(node))
        ),
        None,
    )
    url = url_for("checklist.page", audit_id=ws.audit.id, section=section)
    return f"{url}#{dom_id(response.item_key)}"


@bp.get("/photos/<sha256>.jpg")
def full(sha256: str):  # type: ignore[no-untyped-def]
    """A stored photo (content-addressed, so it never changes)."""
    return _send(sha256, thumbnail=False)


@bp.get("/photos/<sha256>.thumb.jpg")
def thumbnail(sha256: str):  # type: ignore[no-untyped-def]
    """A stored photo's thumbnail."""
    return _send(sha256, thumbnail=True)


def _send(sha256: str, *, thumbnail: bool):  # type: ignore[no-untyped-def]
    if not SHA256.match(sha256):
        abort(404, description="There is no such photo.")
    store = photo_store()
    path = store.thumbnail_path(sha256) if thumbnail else store.path(sha256)
    if not path.is_file():
        abort(404, description="There is no such photo on this laptop.")
    response = send_file(path, mimetype="image/jpeg", max_age=31536000)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
