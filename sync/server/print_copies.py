"""The print copies of a submitted audit's photos, made on another thread once the push that
submitted it has committed, so the report PDF the reviewer opens and the CB releases finds them
ready (auditkit.print_copies; about a second of CPU for a hundred photos on two cores).

Not made as each photo is uploaded: every upload would wait for its copy, and sync's upload
rate fell to a twentieth of a plain PUT that way. A submission comes after all of the audit's
photos arrived (audit.submit.v1 refuses it before). Whatever this misses (the process ends,
a disk is full) the first report makes. The thread runs only while there is work
(auditkit.web.on_demand). PRINT_COPIES_AFTER_SUBMIT False turns it off.
"""

from __future__ import annotations

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
from auditkit.web.on_demand import OnDemandWorker
from sync.engine.apply import Mutation

SUBMIT = "audit.submit.v1"
EXTENSION = "sync.print_copies"


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
    """One thread per app process, running while submitted audits wait for their copies."""

    def __init__(self, factory: sessionmaker[Session], store: PhotoStore) -> None:
        self.factory = factory
        self.store = store
        # Not a daemon: a copy being written when the process ends is finished first.
        self.worker: OnDemandWorker[uuid.UUID] = OnDemandWorker(
            "print-copies",
            self._make,
            failed="making print copies failed; the first report makes them",
            daemon=False,
        )

    def submit(self, audit_ids: Sequence[uuid.UUID]) -> None:
        self.worker.put(audit_ids)

    def wait(self) -> None:
        """Until everything queued so far is done."""
        self.worker.wait()

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
