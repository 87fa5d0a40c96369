"""GET /openapi.json: the API description kept in the repository (sync/openapi.json)."""

from __future__ import annotations

from flask import Blueprint

from sync.spec import SPEC, document

__all__ = ["SPEC", "register"]


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])


def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3.1 document of sync protocol v1."""
    return document()
