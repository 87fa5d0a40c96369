"""Settling refused changes: keep mine (a new change on top of the server's copy) or theirs.

A conflict refusal brings the server's row back onto the laptop (or pull does), so "keep
mine" lays my values from the refused payload over that row and saves it through the
capture layer: a new outbox entry whose base version is current, which the server applies.
Either choice then queues conflict.resolve.v1, so the server knows the conflict is settled
(an open one blocks submitting the audit). No Flask here; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from auditkit import workflow
from auditkit.capture import Invalid, Workspace
from auditkit.capture.activities import save_activity
from auditkit.capture.answers import AnswerInput, find_response, save_answer
from auditkit.capture.closure import save_conclusion
from auditkit.capture.closure_fields import CHOICE_FIELDS, TEXT_FIELDS
from auditkit.capture.findings import FindingInput, delete_finding, update_finding
from auditkit.capture.meetings import MeetingInput, get_meeting, save_meeting
from auditkit.capture.photos import set_caption
from auditkit.capture.registers import save_interviewee, save_sampled_record
from auditkit.models import (
    AuditActivity,
    Finding,
    Grade,
    Interviewee,
    MeetingKind,
    OutboxEntry,
    Photo,
    SampledRecord,
    SyncRejection,
    Verdict,
    utcnow,
)
from sync import protocol
from sync.engine import rows

# Payload keys that name the record rather than change it.
KEYS = frozenset({"item_key", "id", "kind", "local_number"})


class CannotKeepMine(Exception):
    """My values cannot be sent again as they are; the sentence says why and what to do."""


def _mine(rejection: SyncRejection) -> dict[str, Any]:
    return {k: v for k, v in (rejection.payload or {}).items() if k not in KEYS}


def _ensure_current(current: dict[str, Any], rejection: SyncRejection) -> dict[str, Any]:
    """The row with my values laid over it, once pull has brought the server's copy.

    Before that pull the row still holds my refused values (at a version that can equal
    the server's): sending them again would conflict again, or do nothing at all.
    """
    theirs = rejection.server_row or {}
    mine = _mine(rejection)
    version = int(current.get("version") or 0)
    server_version = int(theirs.get("version") or 0)
    same = all(current.get(name) == theirs.get(name) for name in mine if name in theirs)
    if version < server_version or (version == server_version and not same):
        raise CannotKeepMine(
            "This laptop does not have the server's copy yet: sync first, then choose."
        )
    return {**current, **mine}


Register = type[Interviewee] | type[SampledRecord]


def _ids(ws: Workspace, model: Register, raw: Any) -> list[uuid.UUID]:
    """The ids that still exist in this audit (a teammate may have removed one)."""
    wanted = [uuid.UUID(str(i)) for i in raw or []]
    have = set(ws.session.scalars(select(model.id).where(model.audit_id == ws.audit.id)))
    return [i for i in wanted if i in have]


def _row_id(rejection: SyncRejection) -> uuid.UUID:
    try:
        return uuid.UUID(rejection.entity_id)
    except ValueError as exc:
        raise CannotKeepMine("This refused change names no record on this laptop.") from exc


def _answer(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    item_key = str((rejection.payload or {}).get("item_key") or rejection.entity_id)
    row = find_response(ws, item_key)
    before = row.version if row else 0
    v = _ensure_current(rows.response_row(row) if row else {}, rejection)
    data = AnswerInput(
        verdict=Verdict(v["verdict"]) if v.get("verdict") else None,
        notes=v.get("notes") or "",
        justification=v.get("justification") or "",
        documents=list(v.get("documents") or []),
        interviewee_ids=_ids(ws, Interviewee, v.get("interviewee_ids")),
        sampled_record_ids=_ids(ws, SampledRecord, v.get("sampled_record_ids")),
    )
    return save_answer(ws, item_key, data, confirm_void=confirm_void).version != before


def _live_finding(ws: Workspace, rejection: SyncRejection) -> Finding:
    finding = ws.session.get(Finding, _row_id(rejection))
    if finding is None or finding.audit_id != ws.audit.id:
        raise CannotKeepMine("The finding is no longer on this laptop.")
    if finding.deleted_at is not None:
        raise CannotKeepMine(
            "Someone deleted this finding on the server; it cannot be changed any more. "
            "Keep theirs, and raise a new finding if it is still needed."
        )
    return finding


def _finding_update(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    finding = _live_finding(ws, rejection)
    v = _ensure_current(rows.finding_row(finding), rejection)
    data = FindingInput(
        grade=Grade(v["grade"]),
        clause_refs=[(str(r[0]), str(r[1])) for r in v["clause_refs"]],
        detail=next((str(r[2]) for r in v["clause_refs"] if len(r) > 2 and r[2]), ""),
        requirement=v["requirement"] or "",
        objective_evidence=v["objective_evidence"] or "",
        statement=v["statement"] or "",
        extent=v["extent"] or "",
        site_id=uuid.UUID(v["site_id"]) if v["site_id"] else None,
        process=v["process"] or "",
        interviewee_ids=_ids(ws, Interviewee, v["interviewee_ids"]),
        sampled_record_ids=_ids(ws, SampledRecord, v["sampled_record_ids"]),
        item_keys=[str(k) for k in v["item_keys"]],
    )
    return update_finding(ws, finding, data, confirm_void=confirm_void)


def _finding_delete(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    finding = _live_finding(ws, rejection)
    _ensure_current(rows.finding_row(finding), rejection)
    delete_finding(ws, finding, confirm_void=confirm_void)
    return True


def _meeting(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    kind = MeetingKind((rejection.payload or {}).get("kind"))
    meeting = get_meeting(ws, kind)
    before = meeting.version if meeting else 0
    v = _ensure_current(rows.meeting_row(meeting) if meeting else {}, rejection)
    held_at = datetime.fromisoformat(v["held_at"]) if v.get("held_at") else None
    data = MeetingInput(held_at, list(v.get("attendees") or []), v.get("notes") or "")
    return save_meeting(ws, kind, data, confirm_void=confirm_void).version != before


def _closure(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    closure = ws.closure()
    before = closure.version if closure else 0
    v = _ensure_current(rows.closure_row(closure) if closure else {}, rejection)
    names = ("recommendation", *CHOICE_FIELDS, *TEXT_FIELDS)
    form = MultiDict({name: v.get(name) or "" for name in names})
    return save_conclusion(ws, form, confirm_void=confirm_void).version != before


def _caption(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    photo = ws.session.get(Photo, _row_id(rejection))
    if photo is None or photo.audit_id != ws.audit.id or photo.deleted_at is not None:
        raise CannotKeepMine("The photo was removed; its caption cannot be kept.")
    before = photo.version
    v = _ensure_current(rows.photo_row(photo, None), rejection)
    caption = str(v.get("caption") or "")
    set_caption(ws, photo, caption, confirm_void=confirm_void)
    return photo.version != before


def _activity(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
    row = ws.session.get(AuditActivity, _row_id(rejection))
    if row is None or row.audit_id != ws.audit.id:
        raise CannotKeepMine("The entry was removed from the register of audit time.")
    before = row.version
    v = _ensure_current(rows.activity_row(row), rejection)
    form = MultiDict(
        {name: v.get(name) or "" for name in rows.activity_row(row) if name != "version"}
    )
    save_activity(ws, form, row, confirm_void=confirm_void)
    return row.version != before


def _register(model: Register) -> Keeper:
    fields, serial, save = (
        (("name", "job_role", "department"), rows.interviewee_row, save_interviewee)
        if model is Interviewee
        else (
            ("reference", "record_type", "record_date", "reason"),
            rows.sampled_record_row,
            save_sampled_record,
        )
    )

    def keep(ws: Workspace, rejection: SyncRejection, confirm_void: bool) -> bool:
        row = ws.session.get(model, _row_id(rejection))
        if row is None or row.audit_id != ws.audit.id:
            raise CannotKeepMine("The entry was removed from the register on the server.")
        before = row.version
        v = _ensure_current(serial(row), rejection)  # type: ignore[operator]
        form = MultiDict({name: v.get(name) or "" for name in fields})
        save(ws, form, row, confirm_void=confirm_void)  # type: ignore[operator]
        return row.version != before

    return keep


Keeper = Callable[[Workspace, SyncRejection, bool], bool]
KEEPERS: dict[str, Keeper] = {
    "answer.set.v1": _answer,
    "finding.update.v1": _finding_update,
    "finding.delete.v1": _finding_delete,
    "meeting.set.v1": _meeting,
    "closure.set.v1": _closure,
    "photo.update.v1": _caption,
    "activity.upsert.v1": _activity,
    "interviewee.upsert.v1": _register(Interviewee),
    "sampled_record.upsert.v1": _register(SampledRecord),
}


def can_keep_mine(rejection: SyncRejection) -> bool:
    """Whether "keep mine" is offered: a conflict of a kind we can re-apply, not a deletion."""
    deleted = bool((rejection.server_row or {}).get("deleted"))
    return rejection.code == protocol.CONFLICT and rejection.name in KEEPERS and not deleted


def keep_mine(ws: Workspace, rejection: SyncRejection, *, confirm_void: bool = False) -> bool:
    """Queue my values again on top of the current row; False when they are there already.

    Raises CannotKeepMine, or the capture layer's Invalid, ReadOnly, SignatureWouldBeVoided.
    """
    keeper = KEEPERS.get(rejection.name)
    if rejection.code != protocol.CONFLICT or keeper is None:
        raise CannotKeepMine(
            "Keeping your version is not offered for this kind of change; keep theirs "
            "and make the change again by hand if it is still needed."
        )
    unsent = ws.session.scalars(
        select(OutboxEntry.seq).where(
            OutboxEntry.audit_id == rejection.audit_id,
            OutboxEntry.entity_id == rejection.entity_id,
        )
    ).first()
    if unsent is not None:
        raise CannotKeepMine(
            "This laptop has newer unsent changes to the same record: sync first, then choose."
        )
    try:
        return keeper(ws, rejection, confirm_void)
    except Invalid:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise CannotKeepMine("Your refused values cannot be read back; keep theirs.") from exc


def settle(ws: Workspace, rejection: SyncRejection, kept: str) -> None:
    """Close a refused change on this laptop; for a conflict, tell the server which was kept.

    `kept` is "mine" (after keep_mine queued my values) or "theirs"; a refusal that is not
    a conflict is only closed. Settling changes no audit content: no signature is voided.
    """
    rejection.resolved_at = utcnow()
    if rejection.code != protocol.CONFLICT or workflow.content_locked(ws.audit.status):
        return
    ws.record(
        "conflict.resolve.v1",
        str(rejection.mutation_id),
        None,
        {"mutation_id": str(rejection.mutation_id), "kept": kept},
    )
