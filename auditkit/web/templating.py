"""Jinja settings both apps share: a name a template cannot resolve is an error, never blank.

With Jinja's default, `form.values` on a dict resolves to the dict's method and `.held_at` on
that to an empty Undefined: the closing meeting once rendered every saved field empty, and the
next autosave stored the blanks. StrictUndefined turns such a slip into a visible error (and a
failing test) instead of silent data loss. Templates ask `x is defined` where a value is optional.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from jinja2 import StrictUndefined

from auditkit import __version__, labels, workflow
from auditkit.models import CorrectiveActionStatus


def init_app(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals["app_version"] = __version__
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["CapaStatus"] = CorrectiveActionStatus
    # Templates ask the workflow, never spell a status.
    app.jinja_env.globals["content_locked"] = lambda audit: workflow.content_locked(audit.status)
    app.jinja_env.globals["status_label"] = workflow.status_label
    app.jinja_env.globals["plan_open"] = workflow.plan_open
    app.jinja_env.globals["queries_open"] = lambda status: workflow.is_open(
        status, workflow.Part.QUERIES
    )
    app.jinja_env.filters["days"] = days
    app.jinja_env.globals["can_move"] = _can_move


def _can_move(audit, move_name: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the workflow allows this move from the audit's status (who may: auditkit.access)."""
    return audit.status in workflow.MOVES[move_name].sources


def days(value: Any) -> str:
    """Auditor-days as a planner writes them: 1, 1.5, 10 ("1 day", never "1.0" or "1E+1")."""
    if value is None:
        return "–"
    number = Decimal(str(value))
    text = f"{number.quantize(Decimal('0.1')).normalize():f}"
    return f"{text} day" if number == 1 else f"{text} days"
