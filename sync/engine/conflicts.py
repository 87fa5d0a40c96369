"""Conflicts as the server tracks them: open until their auditor settles them.

A same-field edit from a stale copy is refused as a conflict (sync.engine.apply) and kept
with both values. The auditor settles it on the laptop, keeping theirs or queueing their own
values again; either way the laptop then sends conflict.resolve.v1 naming the refused
change. Until then the conflict is open, and the lead cannot submit the audit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.models import AppliedMutation, Device, Response, User, utcnow
from auditkit.models.findings import (
    finding_interviewees,
    finding_sampled_records,
    response_interviewees,
    response_sampled_records,
)
from sync import protocol
from sync.engine.apply import Context, Mutation, Rejected, handler, uuid_of
from sync.engine.pull import current_row

KEPT = ("mine", "theirs")


def open_conflicts(ctx: Context) -> list[str]:
    """The audit's unsettled conflicts, each as "name of entity (auditor)", oldest first."""
    rows = ctx.session.execute(
        select(AppliedMutation.name, AppliedMutation.entity_id, User.full_name)
        .join(Device, Device.id == AppliedMutation.device_id)
        .join(User, User.id == Device.user_id)
        .where(
            AppliedMutation.audit_id == ctx.audit.id,
            AppliedMutation.status == "rejected",
            AppliedMutation.code == protocol.CONFLICT,
            AppliedMutation.settled_at.is_(None),
        )
        .order_by(AppliedMutation.applied_at, AppliedMutation.seq)
    ).all()
    return [f"{name} of {entity_id} ({who})" for name, entity_id, who in rows]


@handler("conflict.resolve.v1")
def conflict_resolve(ctx: Context, m: Mutation) -> dict[str, Any]:
    """Mark one of this auditor's conflicts in this audit settled; settling twice is fine."""
    refused_id = uuid_of(m.payload.get("mutation_id"), "mutation_id")
    kept = m.payload.get("kept")
    if kept not in KEPT:
        raise Rejected(protocol.INVALID, "kept must be 'mine' or 'theirs'.")
    refused = ctx.session.scalars(
        select(AppliedMutation)
        .join(Device, Device.id == AppliedMutation.device_id)
        .where(
            AppliedMutation.mutation_id == refused_id,
            AppliedMutation.audit_id == ctx.audit.id,
            Device.user_id == ctx.user.id,
        )
    ).first()
    if refused is None or refused.code != protocol.CONFLICT:
        raise Rejected(protocol.INVALID, "This names no conflict of yours in this audit to settle.")
    if refused.settled_at is None:
        refused.settled_at = utcnow()
    return {"settled": str(refused.mutation_id), "kept": kept}


def restore_rows(session: Session, m: Mutation) -> list[dict[str, Any]]:
    """The server's rows a refused change had already altered on its laptop, in pull form.

    The laptop applied the change locally before sending it; on a conflict it takes these
    back (unless it has newer unsent edits of them), so its copy equals the server's and
    the auditor's own values live on in the refusal until they are settled. A refused
    register delete also took the entry's links from answers and findings: those come back.
    """
    touched = protocol.pull_entity(m.name, str(m.audit_id), m.entity_id, m.payload)
    if touched is None:
        return []
    entity, key = touched
    restore = [current_row(session, m.audit_id, entity, key)]
    if m.name in ("interviewee.delete.v1", "sampled_record.delete.v1"):
        links = LINKS[entity]
        entry_id = uuid_of(key, f"{entity} id")
        restore += [
            current_row(session, m.audit_id, "response", item_key)
            for item_key in session.scalars(
                select(Response.item_key)
                .join(links[0], links[0].c.response_id == Response.id)
                .where(links[0].c[f"{entity}_id"] == entry_id)
                .order_by(Response.item_key)
            )
        ]
        restore += [
            current_row(session, m.audit_id, "finding", str(finding_id))
            for finding_id in session.scalars(
                select(links[1].c.finding_id)
                .where(links[1].c[f"{entity}_id"] == entry_id)
                .order_by(links[1].c.finding_id)
            )
        ]
    return restore


LINKS = {
    "interviewee": (response_interviewees, finding_interviewees),
    "sampled_record": (response_sampled_records, finding_sampled_records),
}
