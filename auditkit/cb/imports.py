"""Importing an audit package (`auditkit export` on a laptop without network) from the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, request, session

from auditkit import sessions
from auditkit.access import IMPORTERS, Action
from auditkit.cb.auth import requires
from auditkit.photostore import PhotoStore
from auditkit.web.database import db_session
from sync.package import MAX_PACKAGE_BYTES, PackageError, import_package

bp = Blueprint("imports", __name__)


@bp.url_value_preprocessor
def _allow_package_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the app's CSRF check parses the form, so a package may be larger than the
    # app-wide MAX_CONTENT_LENGTH; only for staff who may import, never for anonymous senders.
    key = session.get("session_key")
    user = sessions.user_of(db_session(), key) if isinstance(key, str) and key else None
    if user is not None and any(user.has_role(r) for r in IMPORTERS):
        request.max_content_length = current_app.config.get("IMPORT_MAX_BYTES", MAX_PACKAGE_BYTES)


@bp.get("/import")
@requires(Action.IMPORT_PACKAGE)
def form():  # type: ignore[no-untyped-def]
    """The upload form for an audit package."""
    return render_template("cb/import.html", result=None, error=None, filename="")


@bp.post("/import")
@requires(Action.IMPORT_PACKAGE)
def upload():  # type: ignore[no-untyped-def]
    """Import the uploaded package like a push of its laptop; show what happened."""
    sent = request.files.get("package")
    if sent is None or not sent.filename:
        return _page(error="Choose the package file (.zip) the auditor exported.", status=400)
    blobs = PhotoStore(Path(current_app.config["DATA_DIR"]) / "blobs")
    try:
        result = import_package(db_session(), blobs, sent.stream)
    except PackageError as exc:
        return _page(error=str(exc), filename=sent.filename, status=422)
    return _page(result=result, filename=sent.filename, status=200)


def _page(*, status: int, error: str | None = None, result=None, filename: str = ""):  # type: ignore[no-untyped-def]
    html = render_template("cb/import.html", result=result, error=error, filename=filename)
    return html, status
