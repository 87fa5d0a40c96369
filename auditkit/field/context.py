"""What every workspace view needs: this laptop's auditor, the audit, its checklist tree."""

from __future__ import annotations

import hashlib
import uuid

from flask import abort, current_app
from sqlalchemy import select

from auditkit.capture import Workspace
from auditkit.checklists import IntegratedTree, integrate, parse_checklist
from auditkit.models import Audit, AuditTeamMember, LaptopIdentity
from auditkit.photostore import PhotoStore
from auditkit.web.database import db_session


def laptop_identity() -> LaptopIdentity | None:
    return db_session().scalars(select(LaptopIdentity)).first()


def load_workspace(audit_id: uuid.UUID) -> Workspace:
    """The audit, if this laptop's auditor is on its team; 404 otherwise."""
    session = db_session()
    identity = laptop_identity()
    audit = session.get(Audit, audit_id)
    if identity is None or audit is None:
        abort(404, description="There is no audit with that id on this laptop.")
    member = session.scalars(
        select(AuditTeamMember.id).where(
            AuditTeamMember.audit_id == audit_id, AuditTeamMember.user_id == identity.user_id
        )
    ).first()
    if member is None:
        abort(404, description="There is no audit with that id on this laptop.")
    return Workspace(session=session, audit=audit, user_id=identity.user_id, photos=photo_store())


TREE_CACHE = "auditkit.checklist_trees"
TREE_CACHE_SIZE = 32


def checklist_tree(audit: Audit) -> IntegratedTree:
    """The audit's integrated tree, built from its pinned checklists.

    Pinned content never changes and is named by its sha256, so trees are cached per app
    by those hashes; the content itself is only read from the database on a miss.
    """
    key = tuple((c.checklist_id, c.content_sha256) for c in audit.checklists)
    cache: dict[tuple[tuple[str, str], ...], IntegratedTree] = current_app.extensions.setdefault(
        TREE_CACHE, {}
    )
    tree = cache.get(key)
    if tree is None:
        tree = integrate(
            [parse_checklist(c.content, f"<pinned {c.checklist_id}>") for c in audit.checklists]
        )
        if len(cache) >= TREE_CACHE_SIZE:
            cache.clear()
        cache[key] = tree
    return tree


def photo_store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTOS_DIR"])


def dom_id(key: str) -> str:
    """A stable HTML id for an item key (which holds ':' '/' '.')."""
    return "i" + hashlib.sha1(key.encode()).hexdigest()[:12]
