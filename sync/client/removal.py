"""An auditor taken off a team keeps nothing of that audit on the laptop.

The server names, with each pull, the audits this auditor is on (`audit_ids`). An audit the
laptop holds that is no longer among them is removed once nothing of it waits to be sent:
a sync pushes first, so its unsent changes have gone up (or been refused, with a reason the
auditor can still read: the refusal is kept without the text it carried). Photo files that
no other audit uses are deleted with it. The laptop's own audit log keeps its events: it is
hash-chained, and removing links would break it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auditkit.models import Audit, OutboxEntry, Photo, SyncRejection
from auditkit.photostore import PhotoStore


def remove_audits_off_team(
    session: Session, audit_ids: Iterable[str], photos: PhotoStore
) -> list[uuid.UUID]:
    """Remove the audits not in `audit_ids` that have no change waiting; return their ids."""
    kept = {uuid.UUID(a) for a in audit_ids}
    waiting = set(session.scalars(select(OutboxEntry.audit_id).distinct()))
    gone = [a for a in session.scalars(select(Audit.id)) if a not in kept and a not in waiting]
    if not gone:
        return []
    shas = set(session.scalars(select(Photo.sha256).where(Photo.audit_id.in_(gone))))
    session.execute(
        update(SyncRejection)
        .where(SyncRejection.audit_id.in_(gone))
        .values(payload={}, server_row={})
    )
    for audit_id in gone:
        session.delete(session.get(Audit, audit_id))
    session.flush()
    still_used = set(session.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas)).distinct()))
    for sha in shas - still_used:
        photos.remove(sha)
    return gone
