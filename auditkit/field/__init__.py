"""The auditor's laptop app, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from auditkit.config import field_settings, load_secret_key
from auditkit.resources import static_dir, templates_dir
from auditkit.web import (
    csrf,
    database,
    errors,
    favicon,
    hosts,
    htmx,
    pdf_warm_up,
    security,
    templating,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the field app. `config` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
    )
    settings = field_settings()
    app.config.update(
        APP_NAME="field",
        DATA_DIR=settings.data_dir,
        DATABASE_URL=settings.database_url,
        PHOTOS_DIR=settings.photos_dir,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["DATA_DIR"])
    hosts.init_app(app)
    templating.init_app(app)
    favicon.init_app(app)
    csrf.init_app(app)
    database.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    pdf_warm_up.init_app(app)
    errors.init_app(app, "field/error.html")
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from auditkit.field import (
        activities,
        audits,
        checklist,
        closing,
        corrective_actions,
        findings,
        meetings,
        missing_photos,
        photos,
        registers,
        report,
        review_answers,
        sync_panel,
    )

    for module in (
        audits,
        activities,
        checklist,
        findings,
        meetings,
        photos,
        missing_photos,
        registers,
        closing,
        corrective_actions,
        report,
        review_answers,
        sync_panel,
    ):
        app.register_blueprint(module.bp)
