"""The print copies of a submitted audit's photos, made on another thread once the push that
submitted it has committed, so the report PDF the reviewer opens and the CB releases finds them
ready (auditkit.print_copies; about a second of CPU for a hundred photos on two cores).

Not made as each photo is uploaded: every upload would wait for its copy, and sync's upload
rate fell to a twentieth of a plain PUT that way. A submission comes after all of the audit's
photos arrived (audit.submit.v1 refuses it before). Whatever this misses (the process ends,
a disk is full) the first report makes. The thread runs only while there is work and ends
IDLE_S seconds after it, as the mail sender does. PRINT_COPIES_AFTER_SUBMIT False turns it off.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from auditkit.models import Photo
from auditkit.photostore import PhotoStore
from auditkit.print_copies import keep_print_copy
from auditkit.web.database import EXTENSION as DATABASE
from sync.engine.apply import Mutation

SUBMIT = "audit.submit.v1"
EXTENSION = "sync.print_copies"
IDLE_S = 2.0
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.config.setdefault("PRINT_COPIES_AFTER_SUBMIT", True)
    if app.config["PRINT_COPIES_AFTER_SUBMIT"]:
        blobs = PhotoStore(Path(app.config["DATA_DIR"]) / "blobs")
        app.extensions[EXTENSION] = Maker(app.extensions[DATABASE], blobs)


def after_push(mutations: Sequence[Mutation], results: Sequence[dict[str, Any]]) -> None:
    """Queue the photos of each audit this push submitted (call after it committed)."""
    maker: Maker | None = current_app.extensions.get(EXTENSION)
    submitted = [
        m.audit_id
        for m, result in zip(mutations, results, strict=False)
        if m.name == SUBMIT and result.get("status") == "applied"
    ]
    if maker is not None and submitted:
        maker.submit(submitted)


class Maker:
    """One thread per app process, started by the first submission."""

    def __init__(self, factory: sessionmaker[Session], store: PhotoStore) -> None:
        self.factory = factory
        self.store = store
        self.waiting: queue.Queue[uuid.UUID] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, audit_ids: Sequence[uuid.UUID]) -> None:
        with self.lock:
            for audit_id in audit_ids:
                self.waiting.put(audit_id)
            if self.thread is None or not self.thread.is_alive():
                # Not a daemon: a copy being written when the process ends is finished first.
                self.thread = threading.Thread(target=self._run, name="print-copies")
                self.thread.start()

    def wait(self) -> None:
        """Until everything queued so far is done."""
        self.waiting.join()

    def _run(self) -> None:
        while True:
            try:
                audit_id = self.waiting.get(timeout=IDLE_S)
            except queue.Empty:
                with self.lock:  # a submit in between sees this thread alive or starts one
                    if self.waiting.empty():
                        self.thread = None
                        return
                continue
            try:
                self._make(audit_id)
            except Exception:  # the first report makes what is missing
                log.exception("making the print copies of audit %s failed", audit_id)
            finally:
                self.waiting.task_done()

    def _make(self, audit_id: uuid.UUID) -> None:
        with self.factory() as session:
            shas = session.scalars(
                select(Photo.sha256)
                .where(Photo.audit_id == audit_id, Photo.deleted_at.is_(None))
                .distinct()
            ).all()
        for sha256 in shas:
            try:
                keep_print_copy(self.store, sha256)
            except FileNotFoundError:
                continue  # removed meanwhile (blob gc of a deleted photo)
