"""A fault-injecting HTTP/1.1 proxy on loopback, between the sync client and a live server.

Each TCP connection carries one exchange (the proxy forces `Connection: close` both ways).
The proxy reads the whole request, decides on a fault by a draw seeded with the proxy's seed
and the request's method, path and how often that method and path came before, and then
either forwards it faithfully or breaks it in one of these ways:

- `cut_request`: the server gets only the first k bytes of the request, then the connection
  closes; it never sees the whole request, the client sees a broken connection.
- `drop_response`: the server gets the whole request and answers (it committed), the client
  gets no answer at all.
- `cut_response`: as drop, but the client gets the first k bytes of the answer. A cut at
  the end of a header line looks to http.client like a whole head (it takes the end of the
  connection for the blank line), so the client may see an answer with headers or body
  missing rather than an exception, as it would on a real network.
- `error_503`: the proxy answers 503 itself; the server sees nothing.

Independently, an exchange may be delayed by up to `max_delay` seconds. A seed gives each
request the same fault whatever arrives in between, so photo uploads running side by side
meet the same faults in any order. `calm()` switches faults off; `rough(plan)` on again.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from random import Random

FAULTS = ("cut_request", "drop_response", "cut_response", "error_503")
IO_TIMEOUT = 30.0
MAX_HEAD = 64 * 1024
SERVICE_UNAVAILABLE = b'{"error": {"code": "try_again", "message": "The proxy says: try again."}}'


@dataclass(frozen=True)
class FaultPlan:
    """Probabilities per exchange; the four faults exclude each other, delay adds to any."""

    cut_request: float = 0.0
    drop_response: float = 0.0
    cut_response: float = 0.0
    error_503: float = 0.0
    delay: float = 0.0
    max_delay: float = 0.05

    def pick(self, draw: float) -> str:
        """The fault for a uniform draw in [0, 1): "" when none."""
        edge = 0.0
        for kind in FAULTS:
            edge += getattr(self, kind)
            if draw < edge:
                return kind
        return ""


@dataclass
class Exchange:
    """One request/response as the proxy saw it."""

    method: str
    path: str
    fault: str
    status: int | None = None  # the server's status; None when it never answered
    body_up: int = 0  # request body bytes received from the client
    bytes_up: int = 0  # bytes forwarded to the server
    bytes_down: int = 0  # bytes sent to the client
    delay: float = 0.0
    elapsed: float = 0.0  # seconds the server took, from forwarding to its whole answer


@dataclass
class Counters:
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    bytes_up: int = 0
    bytes_down: int = 0


class _Reader:
    """Buffered reads from a socket: up to a delimiter, an exact count, or the end."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(256 * 1024)
        self.buffer += data
        return bool(data)

    def until(self, delimiter: bytes, limit: int = MAX_HEAD) -> bytes | None:
        """Bytes up to and including the delimiter; None on a clean end before any byte."""
        while delimiter not in self.buffer:
            if len(self.buffer) > limit:
                raise ValueError("header section too long")
            if not self._fill():
                if self.buffer:
                    raise ConnectionError("the peer closed mid-message")
                return None
        end = self.buffer.index(delimiter) + len(delimiter)
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            if not self._fill():
                raise ConnectionError("the peer closed mid-body")
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def rest(self) -> bytes:
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def chunked(self) -> bytes:
        """A chunked body, returned raw (sizes, data and trailers) to forward as it came."""
        raw = b""
        while True:
            line = self.until(b"\r\n") or b""
            raw += line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            raw += self.exact(size + 2)
        while True:  # trailers, up to an empty line
            line = self.until(b"\r\n") or b"\r\n"
            raw += line
            if line == b"\r\n":
                return raw


def parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    """The start line and the headers (names lower-cased) of a message head."""
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def with_close(head: bytes) -> bytes:
    """The head with any Connection/Keep-Alive header replaced by `Connection: close`."""
    lines = head.decode("latin-1").split("\r\n")
    kept = [
        line
        for line in lines[1:]
        if line and line.split(":", 1)[0].strip().lower() not in ("connection", "keep-alive")
    ]
    return "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")


def read_body(reader: _Reader, headers: dict[str, str], *, to_end: bool) -> tuple[bytes, bool]:
    """The body by Content-Length or chunked; else (for a response) up to the close.

    Returns the raw body and whether its length was framed (so a cut is visible).
    """
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return reader.chunked(), True
    if "content-length" in headers:
        return reader.exact(int(headers["content-length"])), True
    return (reader.rest() if to_end else b""), False


def read_request(reader: _Reader) -> tuple[bytes, bytes] | None:
    head = reader.until(b"\r\n\r\n")
    if head is None:
        return None
    _, headers = parse_head(head)
    body, _ = read_body(reader, headers, to_end=False)
    return head, body


def read_response(reader: _Reader, method: str) -> tuple[bytes, bytes, int, bool]:
    """Head, body, status and whether the body's end is framed, of the server's answer."""
    head = reader.until(b"\r\n\r\n")
    if head is None:
        raise ConnectionError("the server closed without answering")
    start, headers = parse_head(head)
    status = int(start.split()[1])
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head, b"", status, True
    body, framed = read_body(reader, headers, to_end=True)
    return head, body, status, framed


class FaultProxy:
    """Listens on 127.0.0.1:<random port> and forwards to `upstream_port`, with faults."""

    def __init__(self, upstream_port: int, *, seed: int = 0, plan: FaultPlan | None = None):
        self.upstream = ("127.0.0.1", upstream_port)
        self.seed: int | str = seed
        self._seen: Counter[tuple[str, str]] = Counter()  # (method, path) -> exchanges so far
        # Stable names for path segments that differ from run to run (a test's random photo
        # hashes), so the same seed draws the same faults for the same photo.
        self.aliases: dict[str, str] = {}
        self.plan = plan
        self.counters = Counters()
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._workers: set[threading.Thread] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- control ----
    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._listener.close()
        for worker in list(self._workers):
            worker.join(timeout=IO_TIMEOUT)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calm(self) -> None:
        """No more faults or delays (and no random draws) until `rough`."""
        with self._lock:
            self.plan = None

    def rough(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan

    def reseed(self, seed: int | str, aliases: dict[str, str] | None = None) -> None:
        with self._lock:
            self.seed = seed
            self._seen = Counter()
            self.aliases = aliases if aliases is not None else {}

    def reset_counters(self) -> None:
        with self._lock:
            self.counters = Counters()
            self.exchanges = []

    # ---- the work ----
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._workers.add(worker)
            worker.start()

    def _decide(self, method: str, path: str, body_up: int) -> tuple[Exchange, float]:
        """Draw this exchange's fault from its own seed: proxy seed, method, path, occurrence."""
        with self._lock:
            plan = self.plan
            fault, cut, delay = "", 0.0, 0.0
            if plan is not None:
                named = "/".join(self.aliases.get(part, part) for part in path.split("/"))
                occurrence = self._seen[method, named]
                self._seen[method, named] += 1
                rng = Random(f"{self.seed}|{method}|{named}|{occurrence}")
                kind_draw, cut, delay_draw, delay_size = (rng.random() for _ in range(4))
                fault = plan.pick(kind_draw)
                delay = delay_size * plan.max_delay if delay_draw < plan.delay else 0.0
            exchange = Exchange(method, path, fault, body_up=body_up, delay=delay)
            self.exchanges.append(exchange)
            self.counters.requests += 1
            if fault:
                self.counters.faults[fault] += 1
            if delay:
                self.counters.faults["delay"] += 1
            return exchange, cut

    def _sent(self, exchange: Exchange, *, up: int = 0, down: int = 0) -> None:
        with self._lock:
            exchange.bytes_up += up
            exchange.bytes_down += down
            self.counters.bytes_up += up
            self.counters.bytes_down += down

    def _serve(self, client: socket.socket) -> None:
        try:
            with client:
                client.settimeout(IO_TIMEOUT)
                self._exchange(client)
        except (OSError, ValueError):
            pass  # a peer went away: the client sees a broken connection, as it would
        finally:
            self._workers.discard(threading.current_thread())

    def _exchange(self, client: socket.socket) -> None:
        message = read_request(_Reader(client))
        if message is None:
            return
        head, body = message
        start, _ = parse_head(head)
        method, path = (start.split(" ") + ["", ""])[:2]
        exchange, cut = self._decide(method, path, len(body))
        if exchange.delay:
            time.sleep(exchange.delay)
        if exchange.fault == "error_503":
            self._answer_503(client, exchange)
            return
        request = with_close(head) + body
        with socket.create_connection(self.upstream, timeout=IO_TIMEOUT) as upstream:
            if exchange.fault == "cut_request":
                part = request[: int(cut * len(request))]
                upstream.sendall(part)
                self._sent(exchange, up=len(part))
                return
            started = time.monotonic()
            upstream.sendall(request)
            self._sent(exchange, up=len(request))
            reply_head, reply_body, exchange.status, framed = read_response(
                _Reader(upstream), method
            )
            exchange.elapsed = time.monotonic() - started
        if exchange.fault == "drop_response":
            return
        reply_head = with_close(reply_head)
        reply = reply_head + reply_body
        if exchange.fault == "cut_response":
            # Without framing a shorter body would look whole: then cut inside the head.
            room = len(reply) if framed else len(reply_head) - 1
            reply = reply[: int(cut * room)]
        client.sendall(reply)
        self._sent(exchange, down=len(reply))

    def _answer_503(self, client: socket.socket, exchange: Exchange) -> None:
        reply = (
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(SERVICE_UNAVAILABLE)
        ) + SERVICE_UNAVAILABLE
        client.sendall(reply)
        self._sent(exchange, down=len(reply))


__all__ = ["FAULTS", "Exchange", "FaultPlan", "FaultProxy"]
