"""Opening and closing meetings (autosaved)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request

from auditkit.capture.meetings import attendee_lines, get_meeting, parse_meeting, save_meeting
from auditkit.field.autosave import run_autosave
from auditkit.field.context import load_workspace
from auditkit.labels import MEETING_LABELS
from auditkit.models import MeetingKind

bp = Blueprint("meetings", __name__, url_prefix="/audits/<uuid:audit_id>/meetings")


@dataclass(frozen=True)
class MeetingForm:
    """What `field/_meeting_form.html` shows: the meeting's saved values as form text.

    An object, not a dict: in Jinja `form.values` on a dict is the dict's `values` method,
    which once rendered every saved field empty (and the next autosave stored the blanks).
    """

    kind: str
    kind_label: str
    saved: bool
    held_at: str
    attendees: str
    notes: str


def meeting_form(ws, kind: MeetingKind) -> MeetingForm:  # type: ignore[no-untyped-def]
    meeting = get_meeting(ws, kind)
    return MeetingForm(
        kind=kind.value,
        kind_label=MEETING_LABELS[kind],
        saved=meeting is not None,
        held_at=meeting.held_at.astimezone().strftime("%Y-%m-%dT%H:%M")
        if meeting and meeting.held_at
        else "",
        attendees=attendee_lines(meeting.attendees) if meeting else "",
        notes=meeting.notes if meeting else "",
    )


def _kind(kind: str) -> MeetingKind:
    try:
        return MeetingKind(kind)
    except ValueError:
        abort(404, description="Meetings are 'opening' or 'closing'.")


@bp.route("/<kind>", methods=["GET", "POST"])
def edit(audit_id: uuid.UUID, kind: str):  # type: ignore[no-untyped-def]
    """The meeting's page; POST autosaves and answers with the re-rendered form."""
    ws = load_workspace(audit_id)
    meeting_kind = _kind(kind)
    if request.method == "GET":
        return render_template(
            "field/meeting.html", audit=ws.audit, meeting_form=meeting_form(ws, meeting_kind)
        )
    form = request.form
    status, state = run_autosave(
        ws,
        lambda: save_meeting(
            ws, meeting_kind, parse_meeting(form), confirm_void=form.get("confirm_void") == "1"
        ),
    )
    return render_template(
        "field/_save_state.html", dom=f"meeting-{meeting_kind.value}", **state
    ), status
