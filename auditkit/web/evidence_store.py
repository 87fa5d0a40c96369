"""The CB server's store of evidence files: `<server data dir>/evidence/`."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from auditkit.evidence_files import EvidenceStore


def evidence_store() -> EvidenceStore:
    return EvidenceStore(Path(current_app.config["DATA_DIR"]) / "evidence")
