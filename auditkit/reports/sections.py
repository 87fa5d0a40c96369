"""Report sections beyond the findings: photos, actual audit time, the 9.4.8.3 statements and
the VCA result per level. Each reads; none writes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.capture.activities import summarise
from auditkit.capture.closure_fields import CHOICE_FIELDS, CHOICE_LABELS, TEXT_LABELS
from auditkit.checklists import IntegratedTree, parse_checklist
from auditkit.checklists.vca import score_vca
from auditkit.labels import ACTIVITY_MODE_LABELS, CHOICE_VALUE_LABELS
from auditkit.models import (
    ActivityMode,
    Audit,
    AuditActivity,
    AuditClosure,
    Photo,
    Response,
    User,
)
from auditkit.models.audits import VCA_STANDARD
from auditkit.reports.model import (
    ActivityLine,
    AuditorTime,
    AuditTime,
    ItemPhotos,
    PhotoLine,
    Statement,
    VcaLevelLine,
    VcaResult,
)

STATEMENT_EVIDENCE = {
    "system_effectiveness": (
        "effectiveness_summary",
        "internal_audit_evidence",
        "management_review_evidence",
    ),
    "scope_fit": ("scope_note",),
    "objectives_met": ("objectives_note",),
}
INTERIM_CORRECTION_MONTHS = 3  # VCA: deviations at an interim audit (DOMAIN.md 4.5)


def shown_photos(session: Session, audit_id: uuid.UUID) -> list[Photo]:
    """The audit's photos as the report shows them: an annotated copy replaces its original."""
    photos = session.scalars(
        select(Photo)
        .where(Photo.audit_id == audit_id, Photo.deleted_at.is_(None))
        .order_by(Photo.created_at, Photo.id)
    ).all()
    replaced = {p.annotated_from_id for p in photos if p.annotated_from_id}
    return [p for p in photos if p.id not in replaced]


def photo_line(photo: Photo) -> PhotoLine:
    return PhotoLine(
        photo.sha256,
        photo.caption or "",
        photo.width,
        photo.height,
        photo.annotated_from_id is not None,
    )


def photos_by_finding(photos: list[Photo]) -> dict[uuid.UUID, tuple[PhotoLine, ...]]:
    grouped: dict[uuid.UUID, list[PhotoLine]] = defaultdict(list)
    for photo in photos:
        if photo.finding_id:
            grouped[photo.finding_id].append(photo_line(photo))
    return {k: tuple(v) for k, v in grouped.items()}


def item_photos(
    session: Session,
    photos: list[Photo],
    tree: IntegratedTree,
    standards: dict[str, str],
) -> tuple[ItemPhotos, ...]:
    """Photos taken at checklist items, item by item in checklist order."""
    by_response: dict[uuid.UUID, list[PhotoLine]] = defaultdict(list)
    for photo in photos:
        if photo.response_id and not photo.finding_id:
            by_response[photo.response_id].append(photo_line(photo))
    if not by_response:
        return ()
    keys = dict(
        session.execute(
            select(Response.item_key, Response.id).where(Response.id.in_(list(by_response)))
        ).all()
    )
    result = []
    for q in tree.iter_questions():
        response_id = keys.get(q.item_key)
        if response_id in by_response:
            label = standards.get(q.checklist_id, q.checklist_id)
            result.append(
                ItemPhotos(
                    f"{label} {q.question.id}", q.question.text, tuple(by_response[response_id])
                )
            )
    return tuple(result)


def audit_time(session: Session, audit: Audit) -> AuditTime:
    rows = session.scalars(
        select(AuditActivity)
        .where(AuditActivity.audit_id == audit.id)
        .order_by(AuditActivity.day, AuditActivity.created_at)
    ).all()
    names = dict(
        session.execute(
            select(User.id, User.full_name).where(
                User.id.in_([r.auditor_id for r in rows if r.auditor_id])
            )
        ).all()
    )
    sites = {s.id: s.name for s in audit.sites}
    totals = summarise(list(rows))
    per: dict[str, dict[ActivityMode, Decimal]] = defaultdict(
        lambda: {mode: Decimal(0) for mode in ActivityMode}
    )
    for row in rows:
        per[names.get(row.auditor_id, "")][row.mode] += Decimal(row.hours)
    return AuditTime(
        lines=tuple(
            ActivityLine(
                day=r.day,
                auditor=names.get(r.auditor_id, ""),
                mode_label=ACTIVITY_MODE_LABELS[r.mode],
                remote=r.mode == ActivityMode.REMOTE,
                site=sites.get(r.site_id, "") if r.site_id else "",
                hours=Decimal(r.hours),
                activity=r.activity,
                ict=r.ict,
            )
            for r in rows
        ),
        by_auditor=tuple(
            AuditorTime(
                name,
                hours[ActivityMode.ON_SITE],
                hours[ActivityMode.REMOTE],
                hours[ActivityMode.OFF_SITE],
            )
            for name, hours in sorted(per.items())
        ),
        on_site=totals.on_site,
        remote=totals.remote,
        off_site=totals.off_site,
        remote_percent=totals.remote_percent,
        off_site_percent=totals.off_site_percent,
        ict_used=tuple(dict.fromkeys(r.ict for r in rows if r.ict)),
    )


def statements(closure: AuditClosure | None) -> tuple[Statement, ...]:
    result = []
    for name in CHOICE_FIELDS:
        value = getattr(closure, name) if closure else None
        evidence = tuple(
            (TEXT_LABELS[text], (getattr(closure, text) or "").strip())
            for text in STATEMENT_EVIDENCE[name]
            if closure and (getattr(closure, text) or "").strip()
        )
        answer = CHOICE_VALUE_LABELS[value] if value is not None else "Not stated"
        result.append(Statement(name, CHOICE_LABELS[name], answer, evidence))
    return tuple(result)


def vca_results(session: Session, audit: Audit) -> tuple[VcaResult, ...]:
    """Per VCA checklist of the audit: every level's result, the level applied for marked."""
    results = []
    for pinned in audit.checklists:
        if pinned.standard != VCA_STANDARD:
            continue
        checklist = parse_checklist(pinned.content, f"<pinned {pinned.checklist_id}>")
        prefix = f"{pinned.checklist_id}:"
        known = {q.id for _, q in checklist.iter_items()}
        answers = {
            key[len(prefix) :]: verdict.value if verdict else None
            for key, verdict in session.execute(
                select(Response.item_key, Response.verdict).where(
                    Response.audit_id == audit.id, Response.item_key.startswith(prefix)
                )
            ).all()
            if key[len(prefix) :] in known
        }
        scored = score_vca(checklist, answers)
        results.append(
            VcaResult(
                checklist=f"{pinned.standard} {pinned.edition}",
                level_applied_for=next(
                    (lv.name for lv in checklist.levels if lv.key == audit.vca_level), None
                ),
                provisional=not checklist.level_mapping_confirmed,
                levels=tuple(
                    VcaLevelLine(
                        name=r.name,
                        applied_for=key == audit.vca_level,
                        passed=r.passed,
                        failed_must=tuple(r.failed_must),
                        unanswered_must=tuple(r.unanswered_must),
                        supplementary_passed=r.supplementary_passed,
                        supplementary_required=r.supplementary_required,
                        supplementary_total=r.supplementary_total,
                        reasons=tuple(r.reasons),
                    )
                    for key, r in scored.items()
                ),
            )
        )
    return tuple(results)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of that month when it is shorter)."""
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
