"""What is still missing before the lead signs off or submits, and what only deserves a look.

Gaps ask before sign-off goes on (the lead may still sign: an audit can end with items not
audited, and the report then says so); warnings are shown and never ask. A recommendation that
contradicts the findings is not a gap: sign-off refuses it (auditkit.recommendations).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditkit import recommendations
from auditkit.capture.closure_fields import CHOICE_FIELDS, CHOICE_LABELS
from auditkit.capture.photos import MissingPhoto, missing_photos
from auditkit.capture.workspace import Workspace
from auditkit.checklists import IntegratedTree
from auditkit.models import (
    AuditActivity,
    AuditClosure,
    Finding,
    Grade,
    Meeting,
    MeetingKind,
    Photo,
    Response,
    Verdict,
)
from auditkit.models.findings import finding_responses
from auditkit.photostore import PhotoStore

NC_GRADES = recommendations.NONCONFORMITIES
LIST_LIMIT = 12  # per kind; the rest is counted


@dataclass(frozen=True)
class Gap:
    kind: str  # a stable key: unanswered, nc_without_finding, ...
    message: str
    # Where to fix it: an item key, a finding id or a photo id (the view makes the link).
    item_key: str = ""
    finding_id: str = ""
    photo_id: str = ""


@dataclass
class Completeness:
    gaps: list[Gap] = field(default_factory=list)
    warnings: list[Gap] = field(default_factory=list)
    refusal: str | None = None  # the recommendation contradicts the findings
    # Photos whose bytes are not on this laptop (listed with a way to remove each).
    missing_photos: list[MissingPhoto] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.gaps and self.refusal is None

    def counts(self) -> Counter[str]:
        return Counter(g.kind for g in self.gaps)


def check(ws: Workspace, tree: IntegratedTree) -> Completeness:
    """Every gap and warning of the audit as it is now on this laptop."""
    result = Completeness()
    session, audit_id = ws.session, ws.audit.id
    answers = {
        r.item_key: r
        for r in session.scalars(select(Response).where(Response.audit_id == audit_id))
    }
    findings = session.scalars(
        select(Finding)
        .where(Finding.audit_id == audit_id, Finding.deleted_at.is_(None))
        .options(selectinload(Finding.clauses), selectinload(Finding.responses))
        .order_by(Finding.local_number)
    ).all()
    _items(result, tree, answers, session, audit_id)
    _findings(result, findings)
    _photos(result, session, audit_id)
    if ws.photos is not None:
        _missing_photos(result, ws, ws.photos)
    _closing(result, ws, findings)
    return result


def _items(result, tree, answers, session, audit_id) -> None:  # type: ignore[no-untyped-def]
    # The audit plan cannot name the clauses to cover yet (the planning issue): all items count.
    linked = set(
        session.scalars(
            select(Response.item_key)
            .join(finding_responses, finding_responses.c.response_id == Response.id)
            .join(Finding, Finding.id == finding_responses.c.finding_id)
            .where(Response.audit_id == audit_id, Finding.deleted_at.is_(None))
        )
    )
    unanswered: list[str] = []
    for question in tree.iter_questions():
        key = question.item_key
        answer = answers.get(key)
        ref = f"{question.checklist_id} {question.question.id}"
        if answer is None or answer.verdict is None:
            unanswered.append(key)
            continue
        if answer.verdict == Verdict.NONCONFORMITY and key not in linked:
            result.gaps.append(
                Gap("nc_without_finding", f"{ref} is a nonconformity with no finding raised.", key)
            )
        if answer.verdict == Verdict.NOT_AUDITED and not answer.justification.strip():
            result.gaps.append(
                Gap("not_audited_without_reason", f"{ref} is not audited: say why.", key)
            )
    if unanswered:
        shown = ", ".join(k.split(":", 1)[1] for k in unanswered[:LIST_LIMIT])
        more = f" and {len(unanswered) - LIST_LIMIT} more" if len(unanswered) > LIST_LIMIT else ""
        result.gaps.append(
            Gap(
                "unanswered",
                f"{len(unanswered)} checklist items are not answered: {shown}{more}.",
                unanswered[0],
            )
        )


def _findings(result: Completeness, findings) -> None:  # type: ignore[no-untyped-def]
    for f in findings:
        missing = []
        nc = f.grade in NC_GRADES
        if not f.clauses and f.grade != Grade.POSITIVE:
            missing.append("a clause" if f.grade != Grade.DEVIATION else "the VCA question")
        if nc and f.grade != Grade.DEVIATION and not f.requirement.strip():
            missing.append("the requirement")
        if not f.objective_evidence.strip():
            missing.append("the objective evidence")
        if not f.statement.strip():
            missing.append("the statement")
        if f.grade == Grade.DEVIATION and len(f.clauses) > 1:
            missing.append("a single VCA question (a deviation is against one question)")
        if missing:
            number = f.number or f"P{f.local_number}"
            result.gaps.append(
                Gap(
                    "finding_incomplete",
                    f"Finding {number} lacks {_and(missing)}.",
                    finding_id=str(f.id),
                )
            )


def _photos(result: Completeness, session, audit_id) -> None:  # type: ignore[no-untyped-def]
    bare = session.scalars(
        select(Photo)
        .where(Photo.audit_id == audit_id, Photo.deleted_at.is_(None), Photo.caption == "")
        .order_by(Photo.created_at)
    ).all()
    for photo in bare[:LIST_LIMIT]:
        result.warnings.append(
            Gap("photo_without_caption", "A photo has no caption.", photo_id=str(photo.id))
        )
    if len(bare) > LIST_LIMIT:
        result.warnings.append(
            Gap("photo_without_caption", f"{len(bare) - LIST_LIMIT} more photos have no caption.")
        )


def _missing_photos(result: Completeness, ws: Workspace, store: PhotoStore) -> None:
    """A photo whose bytes never reached the server blocks submission there: a gap. One the
    server has and this laptop lacks only waits for the next sync: a warning. The list of
    them all (with a way to remove each) is result.missing_photos."""
    result.missing_photos = missing_photos(ws.session, store, [ws.audit.id])
    lost = [m for m in result.missing_photos if not m.on_server]
    for missing in lost[:LIST_LIMIT]:
        result.gaps.append(
            Gap(
                "photo_missing",
                f"{_photo_named(missing)} has no file on this laptop and never reached the "
                "server; the CB refuses the submission until the photo is removed or its file "
                "is put back in the photos folder.",
                photo_id=str(missing.photo.id),
            )
        )
    if len(lost) > LIST_LIMIT:
        result.gaps.append(
            Gap("photo_missing", f"{len(lost) - LIST_LIMIT} more photos have no file either.")
        )
    coming = [m for m in result.missing_photos if m.on_server]
    for missing in coming[:LIST_LIMIT]:
        result.warnings.append(
            Gap(
                "photo_not_downloaded",
                f"{_photo_named(missing)} is not on this laptop yet; the next sync fetches it "
                "from the server.",
                photo_id=str(missing.photo.id),
            )
        )
    if len(coming) > LIST_LIMIT:
        result.warnings.append(
            Gap(
                "photo_not_downloaded",
                f"{len(coming) - LIST_LIMIT} more photos are not on this laptop yet.",
            )
        )


def _photo_named(missing: MissingPhoto) -> str:
    caption = missing.photo.caption
    named = f"A photo “{caption}”" if caption else "A photo"
    return named + (f" of {missing.attached_to}" if missing.attached_to else " attached to nothing")


def _closing(result: Completeness, ws: Workspace, findings) -> None:  # type: ignore[no-untyped-def]
    session, audit = ws.session, ws.audit
    closure = session.scalars(select(AuditClosure).where(AuditClosure.audit_id == audit.id)).first()
    if closure is None or closure.recommendation is None:
        result.gaps.append(Gap("no_recommendation", "The team's recommendation is not chosen."))
    else:
        result.refusal = recommendations.problem(
            audit.audit_type, closure.recommendation, (f.grade for f in findings)
        )
    if closure is None or not closure.conclusion.strip():
        result.gaps.append(Gap("no_conclusion", "The audit conclusion is not written."))
    for name in CHOICE_FIELDS:
        if closure is None or getattr(closure, name) is None:
            result.gaps.append(Gap("statement_missing", f"Not answered: {CHOICE_LABELS[name]}"))
    closing = session.scalars(
        select(Meeting).where(Meeting.audit_id == audit.id, Meeting.kind == MeetingKind.CLOSING)
    ).first()
    if closing is None or closing.held_at is None:
        result.gaps.append(Gap("no_closing_meeting", "The closing meeting is not recorded."))
    has_time = session.scalars(
        select(AuditActivity.id).where(AuditActivity.audit_id == audit.id).limit(1)
    ).first()
    if has_time is None:
        result.gaps.append(
            Gap("no_audit_time", "No audit time is recorded in the register of activities.")
        )
    if audit.covers_vca and not audit.vca_level:
        result.warnings.append(
            Gap("vca_level_unknown", "The VCA level applied for is not set by the CB.")
        )


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
