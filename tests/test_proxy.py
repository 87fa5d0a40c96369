"""Behind a reverse proxy (AUDITKIT_PROXY_HOPS): each visitor keeps their own address."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from auditkit.models import RateLimit
from auditkit.web.proxy import proxy_hops

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy


def _client(url: str, tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    from auditkit.cb import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "DATA_DIR": tmp_path / "server",
            "PUBLIC_RATE_LIMIT": 1,
            **config,
        }
    )
    return app.test_client()


def _visit(client, forwarded_for: str) -> int:  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"}
    return client.get("/verify", headers=headers, environ_base=PROXY).status_code


def test_without_the_setting_every_visitor_behind_a_proxy_shares_one_count(
    migrated_server_db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client = _client(migrated_server_db, tmp_path)
    assert _visit(client, "198.51.100.7") == 200
    assert _visit(client, "203.0.113.40") == 429


def test_with_one_proxy_each_visitor_counts_alone_and_cannot_pose_as_another(
    migrated_server_db, tmp_path, server_session
) -> None:  # type: ignore[no-untyped-def]
    client = _client(migrated_server_db, tmp_path, PROXY_HOPS=1)
    assert _visit(client, "198.51.100.7") == 200
    assert _visit(client, "203.0.113.40") == 200
    assert _visit(client, "198.51.100.7") == 429
    # A visitor's own X-Forwarded-For entry comes before the one nginx appends: only nginx's
    # entry is trusted, so the visitor is still counted as themselves.
    assert _visit(client, "192.0.2.200, 203.0.113.40") == 429
    keys = set(server_session.scalars(select(RateLimit.key)))
    assert keys == {"public:198.51.100.7", "public:203.0.113.40"}


def test_the_scheme_comes_from_the_proxy(migrated_server_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from auditkit.cb import create_app

    app = create_app(
        {"TESTING": True, "DATABASE_URL": migrated_server_db, "DATA_DIR": tmp_path / "s"}
        | {"PROXY_HOPS": 1}
    )
    seen: list[str] = []

    @app.get("/_scheme")
    def _scheme() -> str:
        from flask import request

        seen.append(request.scheme)
        return "ok"

    app.test_client().get("/_scheme", headers={"X-Forwarded-Proto": "https"})
    assert seen == ["https"]


@pytest.mark.parametrize("raw", ["one", "-1", "1.5", "9"])
def test_a_wrong_setting_stops_the_server_with_its_name(raw: str, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert proxy_hops("") == 0 and proxy_hops(" 2 ") == 2
    with pytest.raises(ValueError, match="AUDITKIT_PROXY_HOPS"):
        proxy_hops(raw)
    monkeypatch.setenv("AUDITKIT_PROXY_HOPS", raw)
    from auditkit.cb import create_app

    with pytest.raises(ValueError, match="AUDITKIT_PROXY_HOPS"):
        create_app({"TESTING": True, "DATA_DIR": tmp_path / "server"})
