"""Answering checklist items: verdict, notes, evidence references."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.models import Interviewee, Response, SampledRecord, Verdict
from sync import wire


@dataclass(frozen=True)
class AnswerInput:
    verdict: Verdict | None
    notes: str
    justification: str
    documents: list[str]
    interviewee_ids: list[uuid.UUID]
    sampled_record_ids: list[uuid.UUID]


def parse_answer(ws: Workspace, form: FormData) -> AnswerInput:
    """Read an item editor's form; Invalid names each field to fix."""
    reader = FormReader(form)
    verdict = reader.choice("verdict", Verdict)
    notes = reader.text("notes")
    justification = reader.text("justification")
    if verdict == Verdict.NOT_APPLICABLE and not justification:
        reader.fail("justification", "Say why this item does not apply to this organisation.")
    documents = reader.lines("documents")
    interviewees = reader.uuids("interviewee_ids", _ids(ws, Interviewee))
    records = reader.uuids("sampled_record_ids", _ids(ws, SampledRecord))
    reader.done()
    return AnswerInput(verdict, notes, justification, documents, interviewees, records)


def _ids(ws: Workspace, model: type[Interviewee] | type[SampledRecord]) -> set[uuid.UUID]:
    return set(ws.session.scalars(select(model.id).where(model.audit_id == ws.audit.id)))


def find_response(ws: Workspace, item_key: str) -> Response | None:
    return ws.session.scalars(
        select(Response).where(Response.audit_id == ws.audit.id, Response.item_key == item_key)
    ).first()


def save_answer(
    ws: Workspace, item_key: str, data: AnswerInput, *, confirm_void: bool = False
) -> Response:
    """Store the answer; an unchanged answer writes nothing (autosave sends often)."""
    response = find_response(ws, item_key) or Response(
        audit_id=ws.audit.id, item_key=item_key, version=0, documents=[]
    )
    changes = _changes(response, data)
    if not changes:
        return response
    ws.ensure_editable(confirm_void=confirm_void)
    ws.session.add(response)
    base = response.version or None
    response.verdict = data.verdict
    response.notes = data.notes
    response.justification = data.justification
    response.documents = data.documents
    response.answered_by_id = ws.user_id
    response.interviewees = [ws.session.get(Interviewee, i) for i in data.interviewee_ids]
    response.sampled_records = [ws.session.get(SampledRecord, i) for i in data.sampled_record_ids]
    response.version = (response.version or 0) + 1
    ws.session.flush()
    payload = {"item_key": item_key, "id": str(response.id), **changes}
    ws.record("answer.set.v1", item_key, base, payload)
    return response


def _changes(response: Response, data: AnswerInput) -> dict[str, object]:
    """The fields whose values differ from what is stored, as wire values (sync.wire)."""
    wanted = {
        "verdict": data.verdict.value if data.verdict else None,
        "notes": data.notes,
        "justification": data.justification,
        "documents": data.documents,
        "interviewee_ids": sorted(str(i) for i in data.interviewee_ids),
        "sampled_record_ids": sorted(str(i) for i in data.sampled_record_ids),
    }
    return wire.changes(wire.RESPONSE, wire.row(wire.RESPONSE, response), wanted)


def ensure_response(ws: Workspace, item_key: str) -> Response:
    """The item's answer row, created empty when photos or findings attach to an open item."""
    response = find_response(ws, item_key)
    if response is None:
        response = Response(audit_id=ws.audit.id, item_key=item_key, version=1, documents=[])
        ws.session.add(response)
        ws.session.flush()
        ws.record("answer.set.v1", item_key, None, {"item_key": item_key, "id": str(response.id)})
    return response
