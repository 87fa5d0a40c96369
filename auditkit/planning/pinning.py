"""Pinning checklists: an audit keeps the content of each checklist it was planned with."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from auditkit.checklists import Checklist, load_checklist, parse_checklist, shipped_checklists_dir
from auditkit.models import Audit, AuditChecklist


class UnknownChecklist(ValueError):
    """A checklist id that is not among the shipped checklists."""


def find_checklist(checklist_id: str) -> Checklist:
    path = shipped_checklists_dir() / f"{checklist_id}.yaml"
    if not path.is_file():
        raise UnknownChecklist(f"There is no checklist called {checklist_id!r}.")
    return load_checklist(path)


def pin_checklists(session: Session, audit: Audit, checklist_ids: Sequence[str]) -> None:
    """Store each checklist's full content with the audit, if not pinned already.

    An audit keeps the content it was pinned with: editing or upgrading the file
    later never changes an audit in progress.
    """
    pinned = {c.checklist_id for c in audit.checklists}
    for position, checklist_id in enumerate(checklist_ids):
        if checklist_id in pinned:
            continue
        checklist = find_checklist(checklist_id)
        audit.checklists.append(
            AuditChecklist(
                position=position,
                checklist_id=checklist.id,
                standard=checklist.standard,
                edition=checklist.edition,
                checklist_version=checklist.version,
                content_sha256=checklist.content_hash,
                content=checklist.raw_text,
            )
        )
    session.flush()


def pinned_checklists(audit: Audit) -> list[Checklist]:
    """The audit's checklists, parsed from the content pinned with it."""
    return [
        parse_checklist(c.content, f"{audit.id}/{c.checklist_id}.yaml") for c in audit.checklists
    ]
