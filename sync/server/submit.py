"""audit.submit.v1: the lead hands the audit to the CB; refused with reasons until it is whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from auditkit.models import AuditStatus, Blob, Photo, SyncChange, TeamRole
from sync import protocol
from sync.server.apply import Context, Mutation, Rejected, change_status, handler
from sync.server.conflicts import open_conflicts


@handler("audit.submit.v1")
def audit_submit(ctx: Context, m: Mutation) -> dict[str, Any]:
    if ctx.role != TeamRole.LEAD:
        raise Rejected(protocol.NOT_LEAD, "Only the lead auditor submits the audit.")
    if ctx.audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED):
        raise Rejected(protocol.AUDIT_LOCKED, f"The audit is {ctx.audit.status.value}.")
    seen = m.payload.get("seen_content_version")
    if not isinstance(seen, int):
        raise Rejected(protocol.INVALID, "seen_content_version must be a whole number.")
    unseen = ctx.session.scalars(
        select(SyncChange.seq)
        .where(
            SyncChange.audit_id == ctx.audit.id,
            SyncChange.content_version > seen,
            (SyncChange.device_id != ctx.device_id) | SyncChange.device_id.is_(None),
        )
        .limit(1)
    ).first()
    if unseen is not None:
        raise Rejected(
            protocol.STALE_TEAM_VIEW,
            "Teammates changed the audit since your last "
            "sync; sync again, review their changes, then submit.",
        )
    missing = ctx.session.scalars(
        select(Photo.sha256).where(
            Photo.audit_id == ctx.audit.id,
            Photo.deleted_at.is_(None),
            ~exists().where(Blob.sha256 == Photo.sha256),
        )
    ).all()
    if missing:
        raise Rejected(
            protocol.BLOB_MISSING,
            f"{len(missing)} photos have not reached the server "
            "yet; the teammates who took them must sync first.",
            photos=missing,
        )
    conflicts = open_conflicts(ctx)
    if conflicts:
        raise Rejected(
            protocol.OPEN_CONFLICTS,
            f"{len(conflicts)} conflicts are not settled yet; each auditor settles theirs on "
            "the laptop's sync page and syncs: " + "; ".join(conflicts),
            conflicts=conflicts,
        )
    change_status(ctx.session, ctx.audit, AuditStatus.SUBMITTED, device_id=ctx.device_id)
    return {"status": "submitted", "status_version": ctx.audit.status_version}
