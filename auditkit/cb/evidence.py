"""The reviewer's view of a synced audit: everything the team recorded, as the report shows
it (answers per clause with notes and documents seen, findings with their photos, registers,
meetings, activities, closing statements, recommendation, sign-off), with the review panel on
top: whether the content still matches the lead's signed digest, the rounds so far and what
changed since the audit was last returned. Photos show as thumbnails that open full size.

A reviewer on the audit's team is refused with the reason (ISO/IEC 17021-1 9.5.1).
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from typing import Any

from flask import Blueprint, abort, g, render_template, send_file, url_for
from markupsafe import Markup
from sqlalchemy import select

from auditkit import audit_log, review_queries
from auditkit.access import Action, can, on_team
from auditkit.capture.digest import content_digest
from auditkit.cb.auth import requires, visible
from auditkit.checklists import IntegratedTree
from auditkit.checklists.integrate import integrate
from auditkit.config import cb_identity
from auditkit.models import Audit, AuditClosure, AuditEvent, Photo, Response, SyncChange
from auditkit.planning import pinned_checklists
from auditkit.reports import build_report
from auditkit.web.database import db_session
from auditkit.web.security import CONTENT_SECURITY_POLICY
from sync.server.blobs import store

bp = Blueprint("evidence", __name__, url_prefix="/audits/<uuid:audit_id>")
ROUND_ACTIONS = ("audit.submit", "audit.return", "audit.accept", "audit.release")


def refused_reason(audit: Audit) -> str | None:
    """Why this person may not review the audit, or None."""
    if can(g.user, Action.REVIEW_AUDIT, audit):
        return None
    if on_team(g.user, audit):
        return "You are on this audit's team: another reviewer reviews it (ISO/IEC 17021-1 9.5.1)."
    return "Only technical reviewers (and administrators) review audits."


def digest_check(audit: Audit) -> dict[str, Any]:
    closure = (
        db_session().scalars(select(AuditClosure).where(AuditClosure.audit_id == audit.id)).first()
    )
    if closure is None or not closure.signed_content_sha256:
        return {"state": "unsigned", "signed": None, "now": None}
    now = content_digest(db_session(), audit.id, closure.digest_version)
    return {
        "state": "matches" if now == closure.signed_content_sha256 else "changed",
        "signed": closure.signed_content_sha256,
        "now": now,
        "signed_at": closure.signed_at,
    }


def rounds(audit: Audit) -> list[AuditEvent]:
    return list(
        db_session().scalars(
            select(AuditEvent)
            .where(
                AuditEvent.chain == audit_log.audit_chain(audit.id),
                AuditEvent.action.in_(ROUND_ACTIONS),
            )
            .order_by(AuditEvent.seq)
        )
    )


def changed_since_return(audit: Audit, history: list[AuditEvent]) -> Counter[str] | None:
    """What the team changed after the audit was last returned (None: never returned)."""
    returned = [e for e in history if e.action == "audit.return"]
    if not returned:
        return None
    changes = db_session().scalars(
        select(SyncChange).where(
            SyncChange.audit_id == audit.id,
            SyncChange.at > returned[-1].at,
            SyncChange.device_id.is_not(None),  # what laptops sent, not the CB's own moves
        )
    )
    return Counter(c.entity for c in changes)


@bp.get("/evidence")
@requires(Action.VIEW_DASHBOARD)
def review_view(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The whole synced audit for its technical review."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    return evidence_page(audit)


def evidence_page(audit: Audit, *, errors=None, values=None, status: int = 200):  # type: ignore[no-untyped-def]
    """The reviewer's view; a refused query form comes back with its text and the reason."""
    reason = refused_reason(audit)
    if reason:
        abort(403, description=reason)
    tree = integrate(pinned_checklists(audit))
    report = build_report(db_session(), audit.id, cb_identity(), tree=tree)
    history = rounds(audit)
    panel = render_template(
        "cb/_review_panel.html",
        audit=audit,
        digest=digest_check(audit),
        history=history,
        changed=changed_since_return(audit, history),
        threads=review_queries.threads(db_session(), audit),
        about=about_choices(audit, tree, report.findings),
        errors=errors or {},
        values=values or {},
    )
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "reports/audit_report.html",
        report=report,
        back_url=url_for("planning.audit", audit_id=audit.id),
        photo_src=lambda sha: url_for("evidence.thumbnail", audit_id=audit.id, sha256=sha),
        photo_link=lambda sha: url_for("evidence.photo", audit_id=audit.id, sha256=sha),
        review_panel=Markup(panel),
        style_nonce=nonce,
    )
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'nonce-{nonce}'")
    return html, status, {"Content-Security-Policy": policy}


def about_choices(audit: Audit, tree: IntegratedTree, findings: Any) -> list[tuple[str, str]]:
    """What a query may be about: the audit, each finding, each answered checklist item."""
    choices = [("audit", "The audit as a whole")]
    for f in findings:
        choices.append((f"finding:{f.id}", f"Finding {f.number}: {_short(f.statement)}"))
    answered = set(
        db_session().scalars(select(Response.item_key).where(Response.audit_id == audit.id))
    )
    standards = {c.checklist_id: c.standard for c in audit.checklists}
    for q in tree.iter_questions():
        if q.item_key in answered:
            label = f"{standards.get(q.checklist_id, q.checklist_id)} {q.clause_number}"
            choices.append((f"item:{q.item_key}", f"{label}: {_short(q.question.text)}"))
    return choices


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _photo_of(audit: Audit, sha256: str) -> None:
    found = (
        db_session()
        .scalars(select(Photo.id).where(Photo.audit_id == audit.id, Photo.sha256 == sha256))
        .first()
    )
    if found is None or not store().exists(sha256):
        abort(404, description="This audit has no such photo.")


@bp.get("/photos/<sha256>")
@requires(Action.VIEW_DASHBOARD)
def photo(audit_id: uuid.UUID, sha256: str):  # type: ignore[no-untyped-def]
    """A photo of the audit, full size."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    _photo_of(audit, sha256)
    return send_file(store().path(sha256), mimetype="image/jpeg", max_age=3600)


@bp.get("/photos/<sha256>/thumbnail")
@requires(Action.VIEW_DASHBOARD)
def thumbnail(audit_id: uuid.UUID, sha256: str):  # type: ignore[no-untyped-def]
    """A photo's thumbnail, made from the stored bytes the first time it is asked for."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    _photo_of(audit, sha256)
    photos = store()
    if not photos.thumbnail_path(sha256).exists():
        from auditkit.photos import PhotoRejected, normalize

        try:
            photos.put_thumbnail(normalize(photos.path(sha256).read_bytes()).thumbnail, sha256)
        except PhotoRejected:
            return send_file(photos.path(sha256), mimetype="image/jpeg", max_age=3600)
    return send_file(photos.thumbnail_path(sha256), mimetype="image/jpeg", max_age=3600)
