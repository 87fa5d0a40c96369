"""Opening and closing meetings (autosaved)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template, request

from auditkit.capture.meetings import attendee_lines, get_meeting, parse_meeting, save_meeting
from auditkit.field.autosave import run_autosave
from auditkit.field.context import load_workspace
from auditkit.labels import MEETING_LABELS
from auditkit.models import MeetingKind

bp = Blueprint("meetings", __name__, url_prefix="/audits/<uuid:audit_id>/meetings")


def meeting_context(ws, kind: MeetingKind):  # type: ignore[no-untyped-def]
    """Template values for `field/_meeting_form.html`."""
    meeting = get_meeting(ws, kind)
    values = {
        "held_at": meeting.held_at.astimezone().strftime("%Y-%m-%dT%H:%M")
        if meeting and meeting.held_at
        else "",
        "attendees": attendee_lines(meeting.attendees) if meeting else "",
        "notes": meeting.notes if meeting else "",
    }
    return {
        "audit": ws.audit,
        "kind": kind.value,
        "kind_label": MEETING_LABELS[kind],
        "meeting": meeting,
        "values": values,
    }


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
        return render_template("field/meeting.html", **meeting_context(ws, meeting_kind))
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
