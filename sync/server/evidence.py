"""Evidence files the client sent for a corrective action, for the lead's laptop to read
offline: only those of audits the laptop may pull, and only of revisions sent (never a
draft's); any other answers 404, as a file the server does not have."""

from __future__ import annotations

from flask import Blueprint, g, send_file
from sqlalchemy import select

from auditkit.access import syncable_audit_ids
from auditkit.models import CorrectiveAction, CorrectiveActionRevision, EvidenceFile
from auditkit.web.database import db_session
from auditkit.web.evidence_store import evidence_store
from sync import protocol
from sync.server.blobs import SHA256
from sync.server.errors import ApiError


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/evidence/<sha256>", "evidence_get", download, methods=["GET"])


def download(sha256: str):  # type: ignore[no-untyped-def]
    if not SHA256.match(sha256):
        raise ApiError(400, protocol.INVALID, "A file is named by 64 lower-case hex digits.")
    found = db_session().scalars(
        select(EvidenceFile.media_type)
        .join(CorrectiveActionRevision, CorrectiveActionRevision.id == EvidenceFile.revision_id)
        .join(
            CorrectiveAction,
            CorrectiveAction.id == CorrectiveActionRevision.corrective_action_id,
        )
        .where(
            EvidenceFile.sha256 == sha256,
            CorrectiveActionRevision.submitted_at.is_not(None),
            CorrectiveAction.audit_id.in_(syncable_audit_ids(g.sync_user)),
        )
    ).first()
    path = evidence_store().path(sha256)
    if found is None or not path.is_file():
        raise ApiError(404, "not_found", "There is no such evidence file for you.")
    return send_file(path, mimetype="application/octet-stream", max_age=0)
