"""GET /openapi.json: the API description kept in the repository (sync/openapi.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint

SPEC = Path(__file__).resolve().parent.parent / "openapi.json"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])


@cache
def _spec() -> dict:  # type: ignore[type-arg]
    return json.loads(SPEC.read_text())


def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3.1 document of sync protocol v1."""
    return _spec()
