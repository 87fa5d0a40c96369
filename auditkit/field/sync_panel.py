"""The sync page: the self-polling sync panel, the top bar's status, refused changes to settle."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_htmx import responses
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.field import sync_runner
from auditkit.field.context import load_workspace, photo_store
from auditkit.field.missing_photos import MissingList, editable_missing
from auditkit.field.sync_conflicts import CannotKeepMine, keep_mine, settle
from auditkit.field.sync_rejections import rejection_views
from auditkit.models import OutboxEntry, SyncRejection, SyncState, utcnow
from auditkit.web import database
from auditkit.web.database import db_session
from sync import protocol
from sync.client import outbox
from sync.client.credentials import Credentials
from sync.client.run import open_rejections

bp = Blueprint("sync", __name__, url_prefix="/sync")

BACKGROUND_PAUSE = timedelta(minutes=2)
ACTIONS = ("mine", "theirs", "dismiss")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    sync_runner.init_app(app)
    flag = os.environ.get("AUDITKIT_BACKGROUND_SYNC", "").strip().lower()
    app.config.setdefault("FIELD_BACKGROUND_SYNC", flag in {"1", "true", "yes", "on"})


@bp.app_context_processor
def _template_globals() -> dict[str, object]:
    return {"sync_status": topbar_status}


@dataclass(frozen=True)
class Counts:
    pending: int  # outbox entries
    refused: int  # open rejections


@dataclass(frozen=True)
class TopbarStatus:
    counts: Counts
    run: sync_runner.RunState


@dataclass(frozen=True)
class Panel:
    credentials: Credentials | None
    credentials_damaged: bool
    counts: Counts
    photos_unsent: int  # bytes on this laptop, not verified by the server yet
    photos_missing: int  # photo rows whose bytes are not on this laptop
    missing: MissingList  # those photos of audits that can still change, to remove
    state: SyncState | None
    run: sync_runner.RunState
    background: bool


def _counts(session: Session) -> Counts:
    """Both counts in one query."""
    pending = select(func.count(OutboxEntry.seq)).scalar_subquery()
    refused = (
        select(func.count(SyncRejection.id))
        .where(SyncRejection.resolved_at.is_(None))
        .scalar_subquery()
    )
    row = session.execute(select(pending, refused)).one()
    return Counts(int(row[0] or 0), int(row[1] or 0))


def topbar_status() -> TopbarStatus | None:
    """Every page's top bar status in one query; None when the database does not answer."""
    # Its own session: an error page may render while the request's session is broken.
    try:
        with current_app.extensions[database.EXTENSION]() as session:
            counts = _counts(session)
    except SQLAlchemyError:
        return None
    return TopbarStatus(counts, sync_runner.runner().state())


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _credentials() -> tuple[Credentials | None, bool]:
    """This laptop's link to a server, and whether the file holding it is damaged."""
    try:
        return Credentials.load(_data_dir()), False
    except (ValueError, TypeError, OSError):
        return None, True


def _photos(session: Session) -> tuple[int, int]:
    """Photos to send whose bytes are here, and photos (not removed) whose bytes are not."""
    store = photo_store()
    here = sum(1 for sha, _size in outbox.blobs_to_send(session) if store.exists(sha))
    kept = outbox.blobs_to_send(session, removed=False)
    return here, sum(1 for sha, _size in kept if not store.exists(sha))


def _panel(session: Session) -> Panel:
    credentials, damaged = _credentials()
    here, missing = _photos(session)
    return Panel(
        credentials=credentials,
        credentials_damaged=damaged,
        counts=_counts(session),
        photos_unsent=here,
        photos_missing=missing,
        missing=editable_missing(session),
        state=session.get(SyncState, 1),
        run=sync_runner.runner().state(),
        background=bool(current_app.config.get("FIELD_BACKGROUND_SYNC")),
    )


def _maybe_sync_in_background(session: Session) -> None:
    """With FIELD_BACKGROUND_SYNC on, a poll starts a sync when something waits to be sent.

    Not more often than every two minutes, counting attempts from this app and from
    `auditkit sync` (the last sync time it records); a failed attempt simply waits its turn.
    """
    if not current_app.config.get("FIELD_BACKGROUND_SYNC"):
        return
    runner = sync_runner.runner()
    run = runner.state()
    if run.running or not Credentials.path(_data_dir()).exists():
        return
    state = session.get(SyncState, 1)
    attempts = [t for t in (run.started_at, state.last_sync_at if state else None) if t]
    if attempts and utcnow() - max(attempts) < BACKGROUND_PAUSE:
        return
    if _counts(session).pending or _photos(session)[0]:
        runner.start(background=True)


def _render_panel(
    p: Panel, notice: str = "", notice_error: bool = False, status: int = 200
) -> tuple[str, int]:
    html = render_template("field/_sync_panel.html", p=p, notice=notice, notice_error=notice_error)
    return html, status


@bp.get("/")
def page():  # type: ignore[no-untyped-def]
    """The sync panel and every refused change still to settle."""
    return _page()


def _page(
    problem: tuple[int, str] | None = None, *, confirm_void: int | None = None, status: int = 200
) -> tuple[str, int]:
    """The page; `problem` is (rejection id, sentence) when settling one failed."""
    session = db_session()
    return render_template(
        "field/sync.html",
        p=_panel(session),
        notice="",
        notice_error=False,
        rejections=rejection_views(session, open_rejections(session)),
        problem=problem,
        confirm_void=confirm_void,
    ), status


@bp.get("/panel")
def panel():  # type: ignore[no-untyped-def]
    """The panel alone: it polls this URL, every 2 s while a sync runs, every 30 s otherwise."""
    session = db_session()
    _maybe_sync_in_background(session)
    p = _panel(session)
    finished = request.args.get("was_running") == "1" and not p.run.running
    # The page's list of refused changes reloads itself on this event.
    html, status = _render_panel(p)
    return responses.make_response(html, status, trigger="sync-finished" if finished else None)


@bp.get("/status")
def topbar():  # type: ignore[no-untyped-def]
    """The top bar's compact status (it polls this URL too)."""
    _maybe_sync_in_background(db_session())
    return render_template("field/_sync_status.html", sync=topbar_status())


@bp.post("/run")
def run():  # type: ignore[no-untyped-def]
    """Start a sync now, one at a time; answers with the panel (htmx) or the page."""
    credentials, _damaged = _credentials()
    if credentials is None:
        notice, started = "This laptop is not linked to a server yet; link it first.", False
    elif sync_runner.runner().start():
        notice, started = "Sync started.", True
    else:
        notice, started = "A sync is already running; wait for it to finish.", False
    if not request.headers.get("HX-Request"):
        flash(notice, "message" if started else "error")
        return redirect(url_for("sync.page"))
    return _render_panel(_panel(db_session()), notice, not started, 202 if started else 409)


@bp.post("/rejections/<int:rejection_id>/<action>")
def resolve(rejection_id: int, action: str):  # type: ignore[no-untyped-def]
    """Settle one refused change: keep mine (a new change), keep theirs, or dismiss."""
    if action not in ACTIONS:
        abort(404, description="Choose keep mine, keep theirs or dismiss.")
    session = db_session()
    rejection = session.get(SyncRejection, rejection_id)
    if rejection is None:
        abort(404, description="There is no refused change with that number on this laptop.")
    refusal = _refusal(rejection, action)
    if refusal:
        return _page((rejection_id, refusal[0]), status=refusal[1])
    if action == "dismiss":  # a refusal that offers no choice: nothing to tell the server
        rejection.resolved_at = utcnow()
        session.commit()
        flash("Dismissed.")
        return redirect(url_for("sync.page"))
    message = "Kept the server's version; the server learns your choice at the next sync."
    ws = load_workspace(rejection.audit_id)
    if action == "mine":
        try:
            sent = keep_mine(ws, rejection, confirm_void=request.form.get("confirm_void") == "1")
        except SignatureWouldBeVoided as exc:
            session.rollback()
            return _page((rejection_id, str(exc)), confirm_void=rejection_id, status=409)
        except (CannotKeepMine, ReadOnly) as exc:
            session.rollback()
            return _page((rejection_id, str(exc)), status=409)
        except Invalid as exc:
            session.rollback()
            return _page((rejection_id, " ".join(exc.errors.values())), status=422)
        message = (
            "Your version is queued as a new change; it goes to the server at the next sync."
            if sent
            else "The server already has your version; nothing more to send."
        )
    settle(ws, rejection, action)
    session.commit()
    flash(message)
    return redirect(url_for("sync.page"))


def _refusal(rejection: SyncRejection, action: str) -> tuple[str, int] | None:
    """Why this action cannot settle this rejection, with the status to answer."""
    if rejection.resolved_at is not None:
        when = rejection.resolved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"This was already settled on {when}; nothing changed.", 409
    conflict = rejection.code == protocol.CONFLICT
    if conflict and action == "dismiss":
        return "A conflict needs a choice: keep yours or keep theirs.", 400
    if not conflict and action != "dismiss":
        return "Only a conflict offers a choice; dismiss this one.", 400
    return None
