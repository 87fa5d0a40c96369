"""The audit's registers: people interviewed and records sampled."""

from __future__ import annotations

from sqlalchemy import select

from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.models import Interviewee, SampledRecord
from sync import wire


def save_interviewee(
    ws: Workspace,
    form: FormData,
    existing: Interviewee | None = None,
    *,
    confirm_void: bool = False,
) -> Interviewee:
    reader = FormReader(form)
    values = {
        "name": reader.text("name", required="Give the person's name.", limit=200),
        "job_role": reader.text("job_role", limit=200),
        "department": reader.text("department", limit=200),
    }
    reader.done()
    return _save(ws, Interviewee, "interviewee", existing, values, confirm_void)


def save_sampled_record(
    ws: Workspace,
    form: FormData,
    existing: SampledRecord | None = None,
    *,
    confirm_void: bool = False,
) -> SampledRecord:
    reader = FormReader(form)
    values = {
        "reference": reader.text(
            "reference", required="Give the record's id or reference.", limit=200
        ),
        "record_type": reader.text("record_type", limit=200),
        "record_date": reader.day("record_date"),
        "reason": reader.text("reason"),
    }
    reader.done()
    return _save(ws, SampledRecord, "sampled_record", existing, values, confirm_void)


def _save(ws, model, name, existing, values, confirm_void):  # type: ignore[no-untyped-def]
    spec = wire.ENTITIES[name]
    row = existing or model(audit_id=ws.audit.id, version=0)
    before = wire.row(spec, row) if existing is not None else {}
    changes = wire.changes(spec, before, {**before, **_wire_values(spec, values)})
    if existing is not None and not changes:
        return row
    ws.ensure_editable(confirm_void=confirm_void)
    ws.session.add(row)
    base = row.version or None
    for key, value in values.items():
        setattr(row, key, value)
    row.version = (row.version or 0) + 1
    ws.session.flush()
    ws.record(f"{name}.upsert.v1", str(row.id), base, changes)
    return row


def _wire_values(spec: wire.Entity, values: dict) -> dict:  # type: ignore[type-arg]
    """Typed values as the wire carries them (a date as text, say)."""
    holder = type("Values", (), values)()
    return {k: wire.value_of(spec.field(k), holder) for k in values}


def delete_register_entry(
    ws: Workspace, row: Interviewee | SampledRecord, *, confirm_void: bool = False
) -> None:
    """Remove an entry; links from items and findings go with it."""
    ws.ensure_editable(confirm_void=confirm_void)
    name = "interviewee" if isinstance(row, Interviewee) else "sampled_record"
    ws.record(f"{name}.delete.v1", str(row.id), row.version, {})
    ws.session.delete(row)


def interviewees(ws: Workspace) -> list[Interviewee]:
    return list(
        ws.session.scalars(
            select(Interviewee)
            .where(Interviewee.audit_id == ws.audit.id)
            .order_by(Interviewee.name)
        )
    )


def sampled_records(ws: Workspace) -> list[SampledRecord]:
    return list(
        ws.session.scalars(
            select(SampledRecord)
            .where(SampledRecord.audit_id == ws.audit.id)
            .order_by(SampledRecord.reference)
        )
    )
