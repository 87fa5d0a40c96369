"""Talking to the server: version headers, bearer token with one refresh, retries with backoff.

POSTs are retried explicitly with identical bodies (every request here is replay-safe);
urllib3's own retries are not used. A failure reaches the auditor as a stable code and a
sentence saying what happened and what to do (`network_error`), never a library's text.
"""

from __future__ import annotations

import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.exceptions import InvalidSchema, InvalidURL, MissingSchema
from urllib3.exceptions import LocationParseError

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
    """No usable answer: a wrong address, the network or the server (code and sentence)."""

    def __init__(self, message: str, code: str = "unreachable") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Stable codes of the failures found on this side (the server's own are in sync.protocol).
UNREACHABLE = "unreachable"  # connections broke off, answers kept arriving cut, kept 5xx
CONNECTION_REFUSED = "connection_refused"
HOST_NOT_FOUND = "host_not_found"
TIMED_OUT = "timed_out"
TLS_CERTIFICATE = "tls_certificate"
TLS_FAILED = "tls_failed"
INVALID_URL = "invalid_url"
NOT_AUDITKIT = "not_auditkit_server"
# What a failure leaves behind, said after what to do.
KEPT = "nothing on this laptop was lost: its changes wait for the next sync."
UNCHANGED = "nothing on this laptop was changed."
EXAMPLE_URL = "https://cb.example.org"


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


def error_from(response: requests.Response, consequence: str = KEPT) -> SyncError:
    try:
        error = response.json()["error"]
        return SyncError(
            response.status_code,
            error.get("code", "error"),
            error.get("message", response.reason),
            error,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        if _foreign(response):
            return not_auditkit(response, consequence)
        code, message = STATUS_CODES.get(
            response.status_code, ("error", f"The server answered {response.status_code}.")
        )
        return SyncError(response.status_code, code, message)


def _foreign(response: requests.Response) -> bool:
    """An answer with a body that is not an auditkit error: another server spoke.

    A body that did not arrive (an answer cut inside its head) says nothing either way.
    """
    if not response.content:
        return False
    if response.content.lstrip().startswith(b'{"error"'):
        return False  # an auditkit error cut on the way: its status still says what it was
    try:
        return not isinstance(response.json().get("error"), dict)
    except (ValueError, AttributeError):
        return True


def not_auditkit(response: requests.Response, consequence: str = KEPT) -> SyncError:
    """The answer came from some web server, but not from an auditkit CB server."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    what = "a web page" if kind == "text/html" else f"something else ({kind or 'no type'})"
    return SyncError(
        response.status_code,
        NOT_AUDITKIT,
        f"The server at {where(response.url)} answered, but not as an auditkit server "
        f"(status {response.status_code} with {what}). Check that the address is the CB "
        f"server's, such as {EXAMPLE_URL} (a Wi-Fi sign-in page can also cause this), "
        f"then run the command again; {consequence}",
    )


def where(url: str) -> str:
    """host:port of a URL, as the auditor would check it."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return url
    return f"{parts.hostname}:{port}" if parts.hostname else url


def check_url(url: str) -> None:
    """Refuse what is not a server address before any request (`auditkit login URL`)."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        ok = False
    if not ok:
        raise ServerUnreachable(_not_a_url(url, UNCHANGED), INVALID_URL)


def _not_a_url(url: str, consequence: str) -> str:
    return (
        f"{url!r} is not a server address. Give the CB server's address as a URL "
        f"starting with https:// or http://, such as {EXAMPLE_URL}; {consequence}"
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps (urllib3 keeps it in `reason` and in args)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        wrapped = [a for a in current.args if isinstance(a, BaseException)]
        links = (reason, *wrapped, current.__cause__, current.__context__)
        todo += [e for e in links if isinstance(e, BaseException)]


def network_error(exc: BaseException, url: str, consequence: str = KEPT) -> ServerUnreachable:
    """What a failed request means for the auditor: a stable code and a sentence."""
    at = where(url)
    again = f"Check the address and your network, then run the command again; {consequence}"
    causes = list(_causes(exc))

    def has(*kinds: type[BaseException]) -> BaseException | None:
        return next((c for c in causes if isinstance(c, kinds)), None)

    if has(InvalidURL, MissingSchema, InvalidSchema, LocationParseError):
        return ServerUnreachable(_not_a_url(url, consequence), INVALID_URL)
    certificate = has(ssl.SSLCertVerificationError)
    if certificate is not None:
        why = getattr(certificate, "verify_message", "") or "not trusted"
        return ServerUnreachable(
            f"Cannot connect securely to {at}: the server's certificate could not be "
            f"verified ({why}). Check that the address is the CB server's; if it is, ask the "
            f"CB to fix its certificate, then run the command again; {consequence}",
            TLS_CERTIFICATE,
        )
    if has(ssl.SSLError, requests.exceptions.SSLError):
        return ServerUnreachable(
            f"Cannot set up a secure (https) connection to {at}. If the CB server uses "
            f"plain http, the address must start with http://. {again}",
            TLS_FAILED,
        )
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return ServerUnreachable(
            f"Cannot reach the server at {at}: the name {urlsplit(url).hostname} could not be "
            f"found (a misspelt address, or no network). {again}",
            HOST_NOT_FOUND,
        )
    if has(ConnectionRefusedError):
        return ServerUnreachable(
            f"Cannot reach the server at {at}: nothing answers there (connection refused); "
            f"the server may be down, or the address or port may be wrong. {again}",
            CONNECTION_REFUSED,
        )
    if has(requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return ServerUnreachable(
            f"Cannot reach the server at {at}: it did not answer within {TIMEOUT[0]} seconds "
            f"(timed out). {again}",
            TIMED_OUT,
        )
    if has(requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return ServerUnreachable(
            f"The server at {at} took longer than {TIMEOUT[1]} seconds to answer (timed out). "
            f"Check your network, then run the command again; {consequence}",
            TIMED_OUT,
        )
    return ServerUnreachable(
        f"The connection to the server at {at} broke off. {again}", UNREACHABLE
    )


# Failures that the same request cannot cure: tell the auditor at once.
PERMANENT = (INVALID_URL, TLS_CERTIFICATE)


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
                failure = network_error(exc, self.credentials.server_url)
                if failure.code == UNREACHABLE:
                    failure = self._broke_off()  # after several tries: it kept breaking off
                if attempt == self.attempts - 1 or failure.code in PERMANENT:
                    raise failure from exc
                self.wait(attempt)
                continue
            if response.status_code == 401 and not refreshed and self._expired(response):
                self._refresh_once(response.request.headers.get("Authorization", ""))
                refreshed = True
                continue
            if response.status_code in TRANSIENT:
                if attempt == self.attempts - 1:
                    raise ServerUnreachable(
                        f"The server at {where(self.credentials.server_url)} kept answering "
                        f"{response.status_code} (busy, or being updated). Run the command "
                        f"again in a few minutes; {KEPT}"
                    )
                self.wait(attempt)
                continue
            return response
        raise self._broke_off()

    def json(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.attempts):
            response = self.call(method, path, json=body)
            if response.status_code >= 400:
                raise error_from(response)
            try:
                return response.json()
            except ValueError:
                if response.content:
                    raise not_auditkit(response) from None  # a whole answer, not ours
                # A connection cut inside the answer's head looks whole to http.client (it
                # takes the end of the connection for the end of the head), with the body
                # missing. The request is replay-safe: ask again.
                if attempt == self.attempts - 1:
                    raise self._broke_off() from None
                self.wait(attempt)
        raise self._broke_off()

    def _broke_off(self) -> ServerUnreachable:
        return ServerUnreachable(
            f"The connection to the server at {where(self.credentials.server_url)} kept "
            f"breaking off. Check your network, then run the command again; {KEPT}"
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**version_headers(), **kwargs.pop("headers", {})}
        headers["Authorization"] = f"Bearer {self.credentials.access_token}"
        with self._lock:
            self.requests += 1
        return self.http.request(method, self.url(path), headers=headers, timeout=TIMEOUT, **kwargs)

    def wait(self, attempt: int) -> None:
        """Pause before try `attempt + 1` of a request (also for a photo download's resume)."""
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
        try:
            response = self.http.post(
                self.url("/auth/token"),
                json={
                    "grant_type": "refresh_token",
                    "refresh_token": self.credentials.refresh_token,
                },
                headers=version_headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise network_error(exc, self.credentials.server_url) from exc
        finally:
            self.requests += 1  # (under the lock when called from a request)
        if response.status_code != 200:
            raise error_from(response)
        try:
            body = response.json()
        except ValueError:
            raise not_auditkit(response) from None
        self.credentials.access_token = body["access_token"]
        self.credentials.refresh_token = body["refresh_token"]
        self.credentials.save(self.data_dir)
