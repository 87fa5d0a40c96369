"""Opening and closing meetings: when, who attended, what was said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.models import Meeting, MeetingKind


@dataclass(frozen=True)
class MeetingInput:
    held_at: datetime | None
    attendees: list[dict[str, str]]
    notes: str


def parse_attendee(line: str) -> dict[str, str]:
    """`Eva Bakker, Quality manager` -> name and role; the role is optional."""
    name, _, role = line.partition(",")
    return {"name": name.strip(), "role": role.strip()}


def attendee_lines(attendees: list[dict[str, str]]) -> str:
    return "\n".join(f"{a['name']}, {a['role']}" if a.get("role") else a["name"] for a in attendees)


def parse_meeting(form: FormData) -> MeetingInput:
    reader = FormReader(form)
    held_at = reader.moment("held_at")
    attendees = [parse_attendee(line) for line in reader.lines("attendees")]
    notes = reader.text("notes")
    reader.done()
    return MeetingInput(held_at, attendees, notes)


def get_meeting(ws: Workspace, kind: MeetingKind) -> Meeting | None:
    return ws.session.scalars(
        select(Meeting).where(Meeting.audit_id == ws.audit.id, Meeting.kind == kind)
    ).first()


def save_meeting(
    ws: Workspace, kind: MeetingKind, data: MeetingInput, *, confirm_void: bool = False
) -> Meeting:
    meeting = get_meeting(ws, kind) or Meeting(
        audit_id=ws.audit.id, kind=kind, version=0, attendees=[], notes=""
    )
    wanted = {
        "held_at": _instant(data.held_at),
        "attendees": data.attendees,
        "notes": data.notes,
    }
    current = {
        "held_at": _instant(meeting.held_at),
        "attendees": list(meeting.attendees or []),
        "notes": meeting.notes or "",
    }
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    if not changes:
        return meeting
    ws.ensure_editable(confirm_void=confirm_void)
    ws.session.add(meeting)
    base = meeting.version or None
    meeting.held_at = data.held_at
    meeting.attendees = data.attendees
    meeting.notes = data.notes
    meeting.version = (meeting.version or 0) + 1
    ws.session.flush()
    ws.record("meeting.set.v1", str(meeting.id), base, {"kind": kind.value, **changes})
    return meeting


def _instant(moment: datetime | None) -> str | None:
    """The same moment gives the same text, whatever offset it was written with."""
    return moment.astimezone(UTC).isoformat() if moment else None
