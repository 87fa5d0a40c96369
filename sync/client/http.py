"""Talking to the server: version headers, bearer token with one refresh, retries with backoff.

POSTs are retried explicitly with identical bodies (every request here is replay-safe);
urllib3's own retries are not used.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from sync import protocol
from sync.client.credentials import Credentials

TIMEOUT = (5, 60)
TRANSIENT = {429, 500, 502, 503, 504}


class SyncError(Exception):
    """The server refused for a reason a person must act on (code and sentence from it)."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}


class ServerUnreachable(Exception):
    """No usable answer after the retries: the network or the server is down."""


def version_headers() -> dict[str, str]:
    return {
        protocol.PROTOCOL_HEADER: str(protocol.PROTOCOL_VERSION),
        protocol.SCHEMA_HEADER: str(protocol.SCHEMA_VERSION),
    }


# What an error status means when its body did not arrive (an answer cut on the way).
STATUS_CODES = {
    401: (protocol.UNAUTHORIZED, "The server did not accept this laptop's sign-in."),
    426: (
        protocol.CLIENT_TOO_OLD,
        "The server needs a newer auditkit on this laptop; update it, then sync. "
        "Nothing on this laptop was lost.",
    ),
}


def error_from(response: requests.Response) -> SyncError:
    try:
        body = response.json()
        error = body.get("error", {})
        return SyncError(
            response.status_code,
            error.get("code", "error"),
            error.get("message", response.reason),
            error,
        )
    except (ValueError, AttributeError):
        code, message = STATUS_CODES.get(
            response.status_code, ("error", f"The server answered {response.status_code}.")
        )
        return SyncError(response.status_code, code, message)


class Api:
    def __init__(
        self,
        credentials: Credentials,
        data_dir: Path,
        *,
        session: requests.Session | None = None,
        attempts: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.data_dir = data_dir
        self.http = session or requests.Session()
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0
        self._lock = threading.Lock()  # photo uploads share this Api from a few threads

    def url(self, path: str) -> str:
        return self.credentials.server_url.rstrip("/") + protocol.API_PREFIX + path

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One logical request: refresh once on an expired token; retry transient failures."""
        refreshed = False
        for attempt in range(self.attempts):
            try:
                response = self._send(method, path, **kwargs)
            except requests.RequestException as exc:
                if attempt == self.attempts - 1:
                    raise ServerUnreachable(f"The server did not answer: {exc}") from exc
                self._wait(attempt)
                continue
            if response.status_code == 401 and not refreshed and self._expired(response):
                self._refresh_once(response.request.headers.get("Authorization", ""))
                refreshed = True
                continue
            if response.status_code in TRANSIENT:
                if attempt == self.attempts - 1:
                    raise ServerUnreachable(f"The server kept answering {response.status_code}.")
                self._wait(attempt)
                continue
            return response
        raise ServerUnreachable("The server did not answer.")

    def json(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.attempts):
            response = self.call(method, path, json=body)
            if response.status_code >= 400:
                raise error_from(response)
            try:
                return response.json()
            except ValueError:
                # A connection cut inside the answer's head looks whole to http.client (it
                # takes the end of the connection for the end of the head), with the body
                # missing. The request is replay-safe: ask again.
                if attempt == self.attempts - 1:
                    raise ServerUnreachable("The server's answers kept arriving cut.") from None
                self._wait(attempt)
        raise ServerUnreachable("The server did not answer.")

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**version_headers(), **kwargs.pop("headers", {})}
        headers["Authorization"] = f"Bearer {self.credentials.access_token}"
        with self._lock:
            self.requests += 1
        return self.http.request(method, self.url(path), headers=headers, timeout=TIMEOUT, **kwargs)

    def _wait(self, attempt: int) -> None:
        # Exponential backoff with full jitter, so many laptops do not retry in step.
        self.sleep(random.uniform(0, self.backoff * (2**attempt)))

    @staticmethod
    def _expired(response: requests.Response) -> bool:
        try:
            return response.json()["error"]["code"] == protocol.TOKEN_EXPIRED
        except (ValueError, KeyError, TypeError):
            return False

    def _refresh_once(self, used: str) -> None:
        """Refresh unless another thread already did since `used` was sent."""
        with self._lock:
            if used == f"Bearer {self.credentials.access_token}":
                self.refresh()

    def refresh(self) -> None:
        """Trade the refresh token for new tokens and store them at once."""
        response = self.http.post(
            self.url("/auth/token"),
            json={"grant_type": "refresh_token", "refresh_token": self.credentials.refresh_token},
            headers=version_headers(),
            timeout=TIMEOUT,
        )
        self.requests += 1  # (under the lock when called from a request)
        if response.status_code != 200:
            raise error_from(response)
        body = response.json()
        self.credentials.access_token = body["access_token"]
        self.credentials.refresh_token = body["refresh_token"]
        self.credentials.save(self.data_dir)
