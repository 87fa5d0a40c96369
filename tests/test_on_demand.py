"""The on-demand worker: runs while there is work, survives a failing item, then ends."""

from __future__ import annotations

import logging

import pytest

from auditkit.web import on_demand


def test_it_handles_in_order_goes_on_after_a_failure_and_ends_when_idle(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(on_demand, "IDLE_S", 0.05)
    handled: list[int] = []

    def handle(item: int) -> None:
        if item == 2:
            raise RuntimeError("the database went away")
        handled.append(item)

    worker = on_demand.OnDemandWorker("test-worker", handle, failed="item failed; retried later")
    with caplog.at_level(logging.ERROR, logger=on_demand.__name__):
        worker.put([1, 2, 3])
        worker.wait()
    assert handled == [1, 3]
    assert "item failed; retried later" in caplog.text
    first = worker.thread
    assert first is not None
    first.join(timeout=10)  # idle: the thread ends by itself
    assert not first.is_alive()
    worker.put([4])  # and a new one starts for the next item
    worker.wait()
    assert handled == [1, 3, 4] and worker.thread is not first
