"""The fault proxy itself: each fault really happens, and the same seed gives the same faults."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
import requests

from auditkit.db import make_session_factory
from auditkit.demo import DEMO_PASSWORD
from auditkit.models import Device
from sync.client.http import version_headers
from sync.protocol import API_PREFIX
from tests.sync.faultproxy import FaultPlan, FaultProxy, _Reader, read_response


def _enrol(url: str, device_id: uuid.UUID) -> requests.Response:
    """A password grant: it registers the device on the server (a visible commit)."""
    return requests.post(
        url + API_PREFIX + "/auth/token",
        json={
            "grant_type": "password",
            "username": "auditor1",
            "password": DEMO_PASSWORD,
            "device_id": str(device_id),
        },
        headers=version_headers(),
        timeout=10,
    )


def _registered(server_engine, device_id: uuid.UUID) -> bool:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine)() as session:
        return session.get(Device, device_id) is not None


def _spec(url: str) -> requests.Response:
    return requests.get(url + API_PREFIX + "/openapi.json", timeout=10)


def test_calm_proxy_forwards_whole_exchanges_one_per_connection(cb_server) -> None:  # type: ignore[no-untyped-def]
    with FaultProxy(cb_server.server.server_port) as proxy:
        direct = _spec(cb_server.url)
        with requests.Session() as session:  # keep-alive is refused: one exchange each
            answers = [session.get(proxy.url + API_PREFIX + "/openapi.json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.content == direct.content for a in answers)
    assert all(a.headers["Connection"] == "close" for a in answers)
    assert proxy.counters.requests == 3 and not proxy.counters.faults
    assert proxy.counters.bytes_down > 3 * len(direct.content)
    assert [e.status for e in proxy.exchanges] == [200, 200, 200]


def test_cut_request_never_reaches_the_server_whole(cb_server, server_engine) -> None:  # type: ignore[no-untyped-def]
    with FaultProxy(cb_server.server.server_port, plan=FaultPlan(cut_request=1.0)) as proxy:
        for _ in range(5):
            device_id = uuid.uuid4()
            with pytest.raises(requests.ConnectionError):
                _enrol(proxy.url, device_id)
            assert not _registered(server_engine, device_id)
    assert proxy.counters.faults["cut_request"] == 5
    assert all(e.status is None and e.bytes_down == 0 for e in proxy.exchanges)


def test_dropped_or_cut_response_comes_after_the_server_committed(cb_server, server_engine) -> None:  # type: ignore[no-untyped-def]
    for kind in ("drop_response", "cut_response"):
        plan = FaultPlan(**{kind: 1.0})
        with FaultProxy(cb_server.server.server_port, seed=3, plan=plan) as proxy:
            for _ in range(5):
                device_id = uuid.uuid4()
                with pytest.raises(requests.RequestException):  # broken, or not whole
                    _enrol(proxy.url, device_id).json()
                assert _registered(server_engine, device_id), kind
            for _ in range(5):  # a cut anywhere in a long answer is never taken for whole
                with pytest.raises(requests.RequestException):
                    _spec(proxy.url).json()
        assert proxy.counters.faults[kind] == 10
        assert all(e.status == 200 for e in proxy.exchanges)


def test_proxy_answers_503_itself_and_delays(cb_server) -> None:  # type: ignore[no-untyped-def]
    plan = FaultPlan(error_503=1.0, delay=1.0, max_delay=0.05)
    with FaultProxy(cb_server.server.server_port, plan=plan) as proxy:
        started = time.monotonic()
        answer = _spec(proxy.url)
        elapsed = time.monotonic() - started
        proxy.calm()
        calm = _spec(proxy.url)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "try_again"
    assert calm.status_code == 200
    first, second = proxy.exchanges
    assert first.status is None and first.bytes_up == 0 and elapsed >= first.delay > 0
    assert second.fault == "" and second.delay == 0
    assert proxy.counters.faults == {"error_503": 1, "delay": 1}


def test_same_seed_same_faults(cb_server) -> None:  # type: ignore[no-untyped-def]
    plan = FaultPlan(cut_request=0.2, drop_response=0.2, cut_response=0.2, error_503=0.2)
    runs = []
    for _ in range(2):
        with FaultProxy(cb_server.server.server_port, seed=42, plan=plan) as proxy:
            for _ in range(40):
                try:
                    _spec(proxy.url)
                except requests.RequestException:
                    pass
        runs.append([e.fault for e in proxy.exchanges])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {"", "cut_request", "drop_response", "cut_response", "error_503"}


def test_chunked_answers_are_read_to_their_end() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b"5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nTrailer: t\r\n\r\n"
    left, right = socket.socketpair()
    with left, right:
        left.sendall(head + body + b"next")
        got_head, got_body, status, framed = read_response(_Reader(right), "GET")
    assert (got_head, got_body, status, framed) == (head, body, 200, True)
