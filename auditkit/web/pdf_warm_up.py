"""WeasyPrint warmed up on another thread at the app's first page request, so the first report or
certificate PDF someone downloads is as quick as the next (about a second sooner).

At the first request for a page, not at start: gunicorn may load the app before it forks its
workers, and a thread busy importing when a process forks leaves the child holding the import
lock. Not at a request under /api/ either: a laptop's sync never asks for a PDF, and the warm-up
(a second of CPU, most of it holding the GIL) slowed its first uploads by half. The report
template is compiled on the same thread. `AUDITKIT_PDF_WARM_UP=0` (config PDF_WARM_UP)
turns it off, for a laptop short of memory (WeasyPrint and Pango take about 35 MB); a testing
app does not warm up unless its config asks (hundreds of test apps would each compile the
report template).
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, request

from auditkit.reports import pdf

REPORT_TEMPLATE = "reports/audit_report.html"
API_PREFIX = "/api/"  # sync and the public certificate API
EXTENSION = "pdf_warm_up"
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    default = not app.testing and os.environ.get("AUDITKIT_PDF_WARM_UP", "1") != "0"
    if not app.config.get("PDF_WARM_UP", default):
        return
    lock = threading.Lock()

    @app.before_request
    def warm_up_once() -> None:
        if EXTENSION in app.extensions or request.path.startswith(API_PREFIX):
            return
        with lock:
            if EXTENSION not in app.extensions:
                thread = threading.Thread(target=_warm_up, args=(app,), name="pdf-warm-up")
                app.extensions[EXTENSION] = thread
                thread.start()


def warming(app: Flask) -> threading.Thread | None:
    """The warm-up thread of `app`, once its first request has started it."""
    return app.extensions.get(EXTENSION)


def _warm_up(app: Flask) -> None:
    try:
        pdf.warm_up()
        app.jinja_env.get_template(REPORT_TEMPLATE)
    except Exception:  # a failed warm-up costs only time: the real PDF says what is wrong
        log.exception("Warming up WeasyPrint failed")
