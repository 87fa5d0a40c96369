"""Fixtures for the field app's workspace: a signed-in-free laptop client that sends CSRF tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from auditkit.db import make_session_factory
from auditkit.models import OutboxEntry
from tests.helpers import csrf_from


class Laptop:
    """The field app's test client, with the CSRF token and the demo audit's URLs at hand."""

    def __init__(self, client, audit_id, engine) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.audit_id = audit_id
        self.engine = engine
        self.token = csrf_from(client.get("/").get_data(as_text=True))
        self.base = f"/audits/{audit_id}"

    def get(self, path: str = "", **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(self.base + path, **kwargs)

    def htmx(self, path: str, data=None, **kwargs):  # type: ignore[no-untyped-def]
        headers = {"X-CSRF-Token": self.token, "HX-Request": "true"}
        return self.client.post(self.base + path, data=data or {}, headers=headers, **kwargs)

    def form(self, path: str, data=None, **kwargs):  # type: ignore[no-untyped-def]
        payload = dict(data or {})
        payload["csrf_token"] = self.token
        return self.client.post(self.base + path, data=payload, **kwargs)

    def outbox(self) -> list[OutboxEntry]:
        with make_session_factory(self.engine)() as session:
            return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))

    def count(self, model) -> int:  # type: ignore[no-untyped-def]
        with make_session_factory(self.engine)() as session:
            return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def laptop(field_client, seeded, laptop_engine) -> Laptop:  # type: ignore[no-untyped-def]
    return Laptop(field_client, seeded, laptop_engine)
