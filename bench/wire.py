"""What goes over the wire: a byte-counting TCP proxy and a `requests.Session` that logs calls.

`WireProxy` sits between the sync client and the server on 127.0.0.1 and counts every byte in
each direction (request and response lines, headers and bodies), and can cut the connection
once when a given number of bytes has gone upward. `TimedSession` records, per request, its
method, path, start and end time, and the body bytes sent and received as the client saw them.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from sync.protocol import API_PREFIX


@dataclass(frozen=True)
class Counts:
    """Bytes through the proxy so far: client to server, server to client; connections opened."""

    up: int
    down: int
    connections: int

    @property
    def total(self) -> int:
        return self.up + self.down

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.up - other.up, self.down - other.down, self.connections - other.connections
        )


class WireProxy:
    """A threaded TCP proxy from 127.0.0.1:<port> to `upstream_port` that counts bytes."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.cuts = 0
        self._up = 0
        self._down = 0
        self._connections = 0
        self._cut_at: int | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> WireProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self._thread.join(timeout=5)

    def counts(self) -> Counts:
        with self._lock:
            return Counts(self._up, self._down, self._connections)

    def cut_once_at(self, upward_bytes: int) -> None:
        """Drop the connection carrying the upward byte number `upward_bytes` (counted so far)."""
        with self._lock:
            self._cut_at = upward_bytes

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # listener closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connections += 1
        upward = threading.Thread(target=self._pump, args=(client, server, True), daemon=True)
        upward.start()
        self._pump(server, client, False)
        upward.join()
        client.close()
        server.close()

    def _pump(self, src: socket.socket, dst: socket.socket, upward: bool) -> None:
        while True:
            try:
                data = src.recv(256 * 1024)
            except OSError:
                break
            if not data:
                break
            if self._count(len(data), upward):
                # The cut: these bytes left the client but never reach the server.
                for sock in (src, dst):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            try:
                dst.sendall(data)
            except OSError:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _count(self, size: int, upward: bool) -> bool:
        """Add `size` bytes; True when this is where the connection must be cut."""
        with self._lock:
            if not upward:
                self._down += size
                return False
            self._up += size
            if self._cut_at is not None and self._up >= self._cut_at:
                self._cut_at = None
                self.cuts += 1
                return True
            return False


@dataclass(frozen=True)
class Call:
    """One HTTP request as the client made it (status 0: no answer, the connection failed)."""

    method: str
    path: str
    start: float
    end: float
    status: int
    sent: int
    received: int

    @property
    def seconds(self) -> float:
        return self.end - self.start


class TimedSession(requests.Session):
    """A `requests.Session` that logs every call (pass it to `Api(..., session=...)`)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []

    def request(  # type: ignore[override]
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        path = urlsplit(str(url)).path.removeprefix(API_PREFIX)
        start = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException:
            self.calls.append(Call(str(method), path, start, time.perf_counter(), 0, 0, 0))
            raise
        body = response.request.body or b""
        # A streamed download is read later by the caller: its length is not known here.
        received = 0 if kwargs.get("stream") else len(response.content)
        self.calls.append(
            Call(
                str(method),
                path,
                start,
                time.perf_counter(),
                response.status_code,
                len(body),
                received,
            )
        )
        return response

    def json_bytes(self, *paths: str) -> int:
        """Request plus response body bytes of the calls to `paths` (e.g. "/push", "/pull")."""
        return sum(c.sent + c.received for c in self.calls if c.path in paths and c.status)
