"""The client's side: the draft of the next submission, its evidence files, and sending it."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditkit.corrective_actions.state import (
    PLAN,
    AnswerInput,
    CapaRefused,
    checked_text,
    client_turn,
    draft_of,
    new_revision,
    open_for_answers,
)
from auditkit.evidence_files import MAX_FILES, CheckedFile, EvidenceStore
from auditkit.models import CorrectiveActionRevision, EvidenceFile, Finding, utcnow
from auditkit.models import CorrectiveActionStatus as S


def save_draft(
    session: Session, finding: Finding, values: AnswerInput, *, by: str
) -> CorrectiveActionRevision:
    """Keep what the client typed as the draft of the next submission (nothing is sent)."""
    ca = open_for_answers(session, finding)
    stage = client_turn(ca)
    draft = draft_of(ca) or new_revision(ca, stage)
    if stage == PLAN:
        draft.correction = checked_text(values.correction, "correction")
        draft.root_cause = checked_text(values.root_cause, "root_cause")
        draft.action = checked_text(values.action, "action")
        draft.action_due = _due(values.action_due)
    draft.note = checked_text(values.note, "note")
    draft.submitted_by_name = by
    ca.version += 1
    return draft


def add_file(
    session: Session, finding: Finding, store: EvidenceStore, checked: CheckedFile, *, by: str
) -> EvidenceFile:
    """Attach a checked file to the draft (its bytes stored first, once per sha256)."""
    ca = open_for_answers(session, finding)
    stage = client_turn(ca)
    draft = draft_of(ca) or new_revision(ca, stage)
    if len(draft.files) >= MAX_FILES:
        raise CapaRefused("evidence", f"Send at most {MAX_FILES} files at a time.")
    store.put(checked.data, checked.sha256, checked=True)
    row = EvidenceFile(
        sha256=checked.sha256,
        filename=checked.filename,
        media_type=checked.media_type,
        size=len(checked.data),
        uploaded_by_name=by,
    )
    draft.files.append(row)
    ca.version += 1
    return row


def remove_file(session: Session, finding: Finding, file_id: object) -> None:
    ca = open_for_answers(session, finding)
    client_turn(ca)
    draft = draft_of(ca)
    found = next((f for f in draft.files if f.id == file_id), None) if draft else None
    if found is None or draft is None:
        raise CapaRefused("evidence", "That file is not in your draft.")
    draft.files.remove(found)
    ca.version += 1


def submit(session: Session, finding: Finding, *, by: str, today: date) -> CorrectiveActionRevision:
    """Send the draft to the CB: the plan (all three answers and a due date), or evidence."""
    ca = open_for_answers(session, finding)
    stage = client_turn(ca)
    draft = draft_of(ca)
    if draft is None:
        raise CapaRefused("correction" if stage == PLAN else "evidence", "Nothing to send yet.")
    if stage == PLAN:
        for field, text, what in (
            ("correction", draft.correction, "the correction (what was done about this case)"),
            ("root_cause", draft.root_cause, "the root cause you found"),
            ("action", draft.action, "the corrective action (what prevents it happening again)"),
        ):
            if not text.strip():
                raise CapaRefused(field, f"Write {what} before you send.")
        if draft.action_due is None:
            raise CapaRefused("action_due", "Give the date the corrective action will be done.")
        if draft.action_due < today:
            raise CapaRefused("action_due", "The corrective action's date has passed: update it.")
        ca.status = S.SUBMITTED
    else:
        if not draft.files:
            raise CapaRefused("evidence", "Add at least one file showing the action was done.")
        ca.status = S.EVIDENCE_SUBMITTED
    draft.submitted_at = utcnow()
    draft.submitted_by_name = by
    ca.submitted_revision = draft.number
    ca.version += 1
    return draft


def _due(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CapaRefused("action_due", "Give the date as YYYY-MM-DD, e.g. 2027-01-31.") from None
