"""audit.submit.v1: the lead hands the audit to the CB; refused with reasons until it is whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from auditkit import workflow
from auditkit.models import Blob, Photo, SyncChange
from sync import protocol
from sync.engine.apply import Context, Mutation, Rejected, handler
from sync.engine.conflicts import open_conflicts


@handler("audit.submit.v1", part=None)  # a workflow move: the workflow says when it may be made
def audit_submit(ctx: Context, m: Mutation) -> dict[str, Any]:
    try:
        workflow.check("submit", ctx.audit.status, team_role=ctx.role)
    except workflow.MoveRefused as exc:
        code = protocol.NOT_LEAD if exc.code == "not_allowed" else protocol.AUDIT_LOCKED
        raise Rejected(code, exc.message) from exc
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
            f"{len(missing)} photos have not reached the server yet; the teammates who took "
            "them must sync first. A photo whose file was lost on a laptop can never arrive: "
            "remove it from the list of photos missing on this laptop, shown on the sync page "
            "and on the audit's Closing tab.",
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
    ctx.work.move(ctx.audit, "submit")
    return {"status": ctx.audit.status.value, "status_version": ctx.audit.status_version}
