"""Jinja settings both apps share: a name a template cannot resolve is an error, never blank.

With Jinja's default, `form.values` on a dict resolves to the dict's method and `.held_at` on
that to an empty Undefined: the closing meeting once rendered every saved field empty, and the
next autosave stored the blanks. StrictUndefined turns such a slip into a visible error (and a
failing test) instead of silent data loss. Templates ask `x is defined` where a value is optional.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import StrictUndefined

from auditkit import __version__, labels


def init_app(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals["app_version"] = __version__
    app.jinja_env.globals["labels"] = labels
