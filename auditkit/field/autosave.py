"""One way to run an autosave: commit on success, roll back and explain on refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditkit.capture import Invalid, ReadOnly, SignatureWouldBeVoided, Workspace
from auditkit.models import utcnow


def run_autosave(ws: Workspace, save: Callable[[], object]) -> tuple[int, dict[str, Any]]:
    """Run `save` in one transaction; return the status and `_save_state.html` values."""
    state: dict[str, Any] = {"errors": {}, "message": "", "needs_confirm": False, "saved_at": None}
    try:
        save()
        ws.session.commit()
    except Invalid as exc:
        ws.session.rollback()
        return 422, {**state, "errors": exc.errors}
    except SignatureWouldBeVoided as exc:
        ws.session.rollback()
        return 409, {**state, "message": str(exc), "needs_confirm": True}
    except ReadOnly as exc:
        ws.session.rollback()
        return 409, {**state, "message": str(exc)}
    return 200, {**state, "saved_at": utcnow().astimezone()}
