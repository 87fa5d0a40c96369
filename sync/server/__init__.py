"""The CB side of sync: one blueprint under /api/sync/v1, registered by the CB app."""

from __future__ import annotations

from flask import Blueprint, Flask

from sync.protocol import API_PREFIX


def init_app(app: Flask) -> None:
    from sync.server import auth, blobs, errors, evidence, print_copies, pull, push, spec

    bp = Blueprint("sync_api", __name__, url_prefix=API_PREFIX)
    errors.register(bp)
    bp.before_request(errors.check_versions)
    bp.before_request(auth.authenticate)
    for module in (auth, blobs, evidence, push, pull, spec):
        module.register(bp)
    app.register_blueprint(bp)
    print_copies.init_app(app)
