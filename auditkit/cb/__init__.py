"""The certification body's server: staff UI (and later sync API, portal, public check)."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from auditkit.certificates.settings import certificate_settings
from auditkit.config import load_secret_key, server_settings
from auditkit.resources import static_dir, templates_dir
from auditkit.web import (
    csrf,
    database,
    errors,
    favicon,
    htmx,
    mail,
    pdf_warm_up,
    proxy,
    security,
    templating,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the CB app. `config` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
    )
    settings = server_settings()
    app.config.update(
        APP_NAME="cb",
        DATA_DIR=settings.data_dir,
        DATABASE_URL=settings.database_url,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind TLS in production; the local demo runs on plain http.
        SESSION_COOKIE_SECURE=os.environ.get("AUDITKIT_SECURE_COOKIES", "0") == "1",
        CSRF_EXEMPT_PREFIXES=("/api/",),  # bearer-token API: no cookies, so no CSRF
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if config:
        app.config.update(config)
    if "CERTIFICATE_SETTINGS" not in app.config:
        # Read and checked at start: a bad certificate setting stops the server with its name.
        app.config["CERTIFICATE_SETTINGS"] = certificate_settings()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["DATA_DIR"])
    proxy.init_app(app)
    templating.init_app(app)
    favicon.init_app(app)
    csrf.init_app(app)
    database.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    pdf_warm_up.init_app(app)
    errors.init_app(app, "cb/error.html")
    _register_blueprints(app)
    if not app.testing and os.environ.get("AUDITKIT_GC_FREEZE", "1") == "1":
        # What the app holds from here on lives as long as the worker: keep the collector
        # from walking it on every collection (it made the slowest page views twice as
        # slow; bench/bench_planning.py). Gunicorn forks after this, sharing it unwritten.
        gc.freeze()
    return app


def _register_blueprints(app: Flask) -> None:
    from auditkit.cb import (
        accounts,
        audit_planning,
        auditors,
        auth,
        certificates,
        certifications,
        clients,
        corrective_actions,
        dashboard,
        decisions,
        evidence,
        imports,
        planning,
        portal,
        portal_contacts,
        programme,
        public,
        queries,
        releases,
        reports,
        review,
    )
    from sync.server import init_app as init_sync_api

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(planning.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(certifications.bp)
    app.register_blueprint(audit_planning.bp)
    app.register_blueprint(auditors.bp)
    app.register_blueprint(programme.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(releases.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(corrective_actions.bp)
    app.register_blueprint(portal_contacts.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(decisions.bp)
    app.register_blueprint(certificates.bp)
    public.init_app(app)
    init_sync_api(app)
