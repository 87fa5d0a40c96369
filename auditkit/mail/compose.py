"""A message's subject, plain text and HTML, from templates/mail/ (no Flask).

Each kind of message is two templates: `mail/<kind>.txt` with a `subject` block and a `body`
block, and `mail/<kind>.html` (extending mail/base.html) for the HTML part. Both get the same
context plus `cb` (the certification body's name) and `public_url`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from auditkit.resources import templates_dir

KINDS = (
    "invitation",
    "audit_plan",
    "report_release",
    "answer_received",
    "plan_accepted",
    "plan_rejected",
    "nc_closed",
    "nc_reopened",
    "extension_granted",
    "extension_refused",
    "deadline_reminder",
    "deadline_overdue",
    "decision",
)


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def compose(kind: str, context: dict[str, Any]) -> Composed:
    """The message `kind` with `context`; KeyError for a kind there is no template for."""
    if kind not in KINDS:
        raise KeyError(f"no mail template {kind!r}")
    env = _environment()
    text_template = env.get_template(f"mail/{kind}.txt")
    ctx = text_template.new_context(dict(context))
    subject = " ".join("".join(text_template.blocks["subject"](ctx)).split())
    body = "".join(text_template.blocks["body"](ctx)).strip() + "\n"
    html = env.get_template(f"mail/{kind}.html").render(context, subject=subject)
    return Composed(subject=subject, text=body, html=html)


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
