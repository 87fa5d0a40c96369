"""Reading form fields into typed values, collecting a message per bad field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from auditkit.capture.errors import Invalid

E = TypeVar("E", bound=StrEnum)
MAX_TEXT = 20_000
MAX_LINE = 300


class FormData(Protocol):
    """What a werkzeug MultiDict offers (and a plain test double can)."""

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


class FormReader:
    """Reads fields one by one; `done()` raises Invalid with every problem at once."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def _raw(self, name: str) -> str:
        """The field as typed, without NUL characters: a browser can send them, and the
        server's database (PostgreSQL) cannot store them."""
        return (self.form.get(name) or "").replace("\x00", "")

    def text(self, name: str, *, required: str = "", limit: int = MAX_TEXT) -> str:
        value = self._raw(name).replace("\r\n", "\n").strip()
        if required and not value:
            self.errors[name] = required
        elif len(value) > limit:
            self.errors[name] = f"This is {len(value)} characters long; the limit is {limit}."
        return value

    def lines(self, name: str, *, limit: int = 200) -> list[str]:
        """One entry per non-empty line."""
        raw = self.text(name)
        items = [line.strip() for line in raw.split("\n") if line.strip()]
        if len(items) > limit:
            self.errors[name] = f"At most {limit} lines, please."
        too_long = [i for i in items if len(i) > MAX_LINE]
        if too_long:
            self.errors[name] = f"Keep each line under {MAX_LINE} characters."
        return items

    def choice(self, name: str, enum: type[E], *, required: str = "") -> E | None:
        raw = self._raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = required
            return None
        try:
            return enum(raw)
        except ValueError:
            self.errors[name] = f"'{raw}' is not one of the choices offered."
            return None

    def uuids(self, name: str, allowed: set[uuid.UUID]) -> list[uuid.UUID]:
        result = []
        for raw in self.form.getlist(name):
            try:
                value = uuid.UUID(raw)
            except ValueError:
                self.errors[name] = "One of the selected entries is not valid; reload the page."
                continue
            if value not in allowed:
                self.errors[name] = "One of the selected entries no longer exists; reload the page."
                continue
            if value not in result:
                result.append(value)
        return result

    def optional_uuid(self, name: str, allowed: set[uuid.UUID]) -> uuid.UUID | None:
        raw = self._raw(name).strip()
        if not raw:
            return None
        picked = self.uuids(name, allowed)
        return picked[0] if picked else None

    def day(self, name: str) -> date | None:
        raw = self._raw(name).strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = "Give a date as YYYY-MM-DD."
            return None

    def moment(self, name: str) -> datetime | None:
        """A `datetime-local` value, read as the laptop's local time and stored aware."""
        raw = self._raw(name).strip()
        if not raw:
            return None
        try:
            return datetime.fromisoformat(raw).astimezone()
        except ValueError:
            self.errors[name] = "Give a date and time as YYYY-MM-DD HH:MM."
            return None

    def flag(self, name: str) -> bool:
        return self._raw(name).lower() in {"1", "on", "true", "yes"}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise Invalid(dict(self.errors))
