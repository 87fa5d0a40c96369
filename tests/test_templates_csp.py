"""The pages' scripts must survive the Content-Security-Policy (script-src 'self'): no template
may carry an inline event handler or an inline script, which the browser refuses silently (the
CB's printable plan had a Print button that did nothing for that reason)."""

from __future__ import annotations

import re

from auditkit.resources import templates_dir

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_template_has_an_inline_handler_or_script() -> None:
    templates = sorted(templates_dir().rglob("*.html"))
    assert len(templates) > 50
    offending = [
        f"{path.relative_to(templates_dir())}:{number}: {line.strip()}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE_HANDLER.search(line) or INLINE_SCRIPT.search(line)
    ]
    assert offending == []
