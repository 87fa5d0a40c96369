"""Running sync from the field app: one run at a time, in a background thread, per app.

The runner keeps the latest progress, summary and error in memory for the sync panel. Two
runs inside this app are kept apart here; a run in another process (`auditkit sync` in a
terminal) is kept apart by the sync lock file, which makes our run end with `busy`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app

from auditkit.models import utcnow
from sync.client.http import SyncError
from sync.client.run import Summary, SyncBusy, sync_now

EXTENSION = "auditkit.sync_runner"
BUSY = "busy"
CRASHED = "internal"


@dataclass(frozen=True)
class RunState:
    """What the panel shows of this app's latest run (number 0: none started yet)."""

    number: int = 0
    running: bool = False
    background: bool = False
    phase: str = ""
    done: int = 0
    total: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    summary: Summary | None = None
    error: str = ""
    error_code: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error)


class SyncRunner:
    """Starts `sync_now` for one data folder in a thread and remembers how it went."""

    def __init__(self, data_dir: Path, logger: logging.Logger) -> None:
        self.data_dir = Path(data_dir)
        self.logger = logger
        self._lock = threading.Lock()
        self._state = RunState()
        self._thread: threading.Thread | None = None

    def state(self) -> RunState:
        with self._lock:
            return self._state

    def start(self, *, background: bool = False) -> bool:
        """Start a run; False when one is already running in this app."""
        with self._lock:
            if self._state.running:
                return False
            self._state = RunState(
                number=self._state.number + 1,
                running=True,
                background=background,
                phase="starting",
                started_at=utcnow(),
            )
            self._thread = threading.Thread(target=self._run, name="auditkit-sync", daemon=True)
            thread = self._thread
        thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True when none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.state().running

    def _progress(self, phase: str, done: int, total: int) -> None:
        with self._lock:
            self._state = replace(self._state, phase=phase, done=done, total=total)

    def _run(self) -> None:
        summary: Summary | None = None
        error = code = ""
        try:
            summary = sync_now(self.data_dir, self._progress)
            error, code = summary.error, summary.error_code
        except SyncBusy as exc:
            error, code = f"{exc} Wait for it to finish, then try again.", BUSY
        except SyncError as exc:
            error, code = exc.message, exc.code
        except Exception as exc:  # the thread must always record its end
            self.logger.exception("sync run failed")
            error, code = f"The sync stopped unexpectedly ({type(exc).__name__}).", CRASHED
        with self._lock:
            self._state = replace(
                self._state,
                running=False,
                phase="",
                finished_at=utcnow(),
                summary=summary,
                error=error,
                error_code=code,
            )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = SyncRunner(Path(app.config["DATA_DIR"]), app.logger)


def runner() -> SyncRunner:
    """This app's runner."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
