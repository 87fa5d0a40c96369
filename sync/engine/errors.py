"""What the engine refuses a whole request for: a status, a stable code and a sentence.

The HTTP layer (sync/server/errors.py) answers it as JSON; an audit package import reports it.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal of the request as a whole; answered as `{"error": {"code", "message", ...}}`."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
