"""A thread that runs only while there is work: started by the first item put, ended IDLE_S
seconds after the last, so an idle app holds no thread (nor the database connections it would
keep open). Each item is handed to `handle` on that thread; an exception is logged and the
thread goes on with the next. The mail sender and the server's print copies use it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

IDLE_S = 2.0
log = logging.getLogger(__name__)

Item = TypeVar("Item")


class OnDemandWorker(Generic[Item]):
    def __init__(
        self,
        name: str,
        handle: Callable[[Item], None],
        *,
        failed: str,
        daemon: bool = True,
    ) -> None:
        """`failed`: the sentence logged when `handle` raises (what happens to the item now)."""
        self.name = name
        self.handle = handle
        self.failed = failed
        self.daemon = daemon
        self.waiting: queue.Queue[Item] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def put(self, items: Iterable[Item]) -> None:
        with self.lock:
            for item in items:
                self.waiting.put(item)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=self.daemon)
                self.thread.start()

    def wait(self) -> None:
        """Until everything put so far has been handled."""
        self.waiting.join()

    def _run(self) -> None:
        while True:
            try:
                item = self.waiting.get(timeout=IDLE_S)
            except queue.Empty:
                with self.lock:  # a put in between sees this thread alive or starts one
                    if self.waiting.empty():
                        self.thread = None
                        return
                continue
            try:
                self.handle(item)
            except Exception:  # a database hiccup must not end the thread
                log.exception(self.failed)
            finally:
                self.waiting.task_done()
