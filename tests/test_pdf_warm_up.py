"""WeasyPrint warmed up at an app's first request, on another thread, so its first PDF download
costs what the next one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditkit.reports import pdf
from auditkit.web import pdf_warm_up

needs_pdf = pytest.mark.skipif(not pdf.pdf_available()[0], reason="WeasyPrint cannot load Pango")


def _apps(laptop_db_url: str, migrated_server_db: str, tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    from auditkit.cb import create_app as cb_app
    from auditkit.field import create_app as field_app

    base = {"TESTING": True, **config}
    return (
        field_app({**base, "DATABASE_URL": laptop_db_url, "DATA_DIR": tmp_path / "laptop"}),
        cb_app({**base, "DATABASE_URL": migrated_server_db, "DATA_DIR": tmp_path / "server"}),
    )


@needs_pdf
def test_the_first_request_warms_up_once_and_the_report_template_is_compiled(  # type: ignore[no-untyped-def]
    laptop_db_url, migrated_server_db, tmp_path
) -> None:
    for app in _apps(laptop_db_url, migrated_server_db, tmp_path, PDF_WARM_UP=True):
        assert pdf_warm_up.warming(app) is None  # nothing at start: gunicorn may fork after it
        client = app.test_client()
        client.get("/")
        thread = pdf_warm_up.warming(app)
        assert thread is not None
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert pdf._warmed_up
        assert any(key[1] == pdf_warm_up.REPORT_TEMPLATE for key in app.jinja_env.cache)
        client.get("/")
        assert pdf_warm_up.warming(app) is thread  # once per app


def test_a_sync_or_api_request_does_not_start_it(  # type: ignore[no-untyped-def]
    laptop_db_url, migrated_server_db, tmp_path, monkeypatch
) -> None:
    """A laptop's sync never asks for a PDF, and the warm-up slowed its first uploads."""
    warmed: list[str] = []
    monkeypatch.setattr(pdf_warm_up, "_warm_up", lambda app: warmed.append(app.name))
    _, cb = _apps(laptop_db_url, migrated_server_db, tmp_path, PDF_WARM_UP=True)
    client = cb.test_client()
    client.get("/api/sync/v1/spec")
    client.get("/api/public/v1/certificates/AK-QMS-2026-00001")
    assert pdf_warm_up.warming(cb) is None
    client.get("/login")
    thread = pdf_warm_up.warming(cb)
    assert thread is not None
    thread.join(timeout=60)
    assert warmed == [cb.name]


def test_a_testing_app_or_one_told_not_to_does_not_warm_up(  # type: ignore[no-untyped-def]
    laptop_db_url, migrated_server_db, tmp_path, monkeypatch
) -> None:
    apps = _apps(laptop_db_url, migrated_server_db, tmp_path)
    monkeypatch.setenv("AUDITKIT_PDF_WARM_UP", "0")
    apps += _apps(laptop_db_url, migrated_server_db, tmp_path, TESTING=False)
    for app in apps:
        app.test_client().get("/")
        assert pdf_warm_up.warming(app) is None


def test_warming_up_without_pango_does_nothing_and_a_failure_costs_only_time(  # type: ignore[no-untyped-def]
    monkeypatch, laptop_db_url, migrated_server_db, tmp_path
) -> None:
    rendered: list[str] = []
    monkeypatch.setattr(pdf, "_warmed_up", False)
    monkeypatch.setattr(pdf, "pdf_available", lambda: (False, pdf.NOT_AVAILABLE))
    monkeypatch.setattr(pdf, "render_pdf", lambda html, **_: rendered.append(html))
    pdf.warm_up()
    assert rendered == [] and pdf._warmed_up

    def broken() -> None:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "warm_up", broken)
    field, _ = _apps(laptop_db_url, migrated_server_db, tmp_path, PDF_WARM_UP=True)
    assert field.test_client().get("/").status_code == 200
    thread = pdf_warm_up.warming(field)
    assert thread is not None
    thread.join(timeout=60)  # logged, not raised into anyone's request


def test_only_the_main_thread_quiets_weasyprints_import(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """sys.stdout is one for the process: a warm-up thread that swapped it would swallow what
    the main thread prints meanwhile (a script's output went missing that way)."""
    import contextlib
    import threading

    swaps: list[str] = []
    real = contextlib.redirect_stdout

    def recording(target):  # type: ignore[no-untyped-def]
        swaps.append(threading.current_thread().name)
        return real(target)

    monkeypatch.setattr(contextlib, "redirect_stdout", recording)
    pdf._probe.cache_clear()
    try:
        thread = threading.Thread(target=pdf._probe, name="warm-up")
        thread.start()
        thread.join()
        assert swaps == []
        pdf._probe.cache_clear()
        pdf._probe()
        assert swaps == [threading.main_thread().name]
    finally:
        pdf._probe.cache_clear()
