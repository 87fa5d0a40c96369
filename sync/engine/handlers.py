"""One handler per mutation name: validate the payload, apply it with conflict checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from auditkit import access
from auditkit.capture.closure_fields import TEXT_FIELDS
from auditkit.capture.digest import DIGEST_VERSIONS
from auditkit.models import (
    AuditActivity,
    AuditClosure,
    Blob,
    Finding,
    FindingClause,
    Grade,
    Interviewee,
    Meeting,
    MeetingKind,
    Photo,
    Response,
    SampledRecord,
    TeamRole,
    utcnow,
)
from sync import protocol, wire
from sync.engine import blobs, rows
from sync.engine.apply import Context, Mutation, Rejected, check_and_stamp, handler, text, uuid_of

# The fields each mutation may set: the entities' wire fields (sync/wire.py).
ANSWER_FIELDS = wire.RESPONSE.names
INTERVIEWEE_FIELDS = wire.INTERVIEWEE.names
RECORD_FIELDS = wire.SAMPLED_RECORD.names
FINDING_FIELDS = wire.FINDING.names


def _simple(entity: wire.Entity, row: Any, p: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    """Check and set the payload's simple fields of `entity` (links are set by the caller)."""
    for f in entity.fields:
        if f.name not in p or f.kind in wire.LINKS or f.kind == wire.ATTENDEES or f.name in skip:
            continue
        try:
            value = wire.check(f, p[f.name])
        except wire.WireError as exc:
            raise Rejected(protocol.INVALID, str(exc)) from exc
        if value is None and not f.nullable:
            raise Rejected(protocol.INVALID, f"{f.name} cannot be empty.")
        setattr(row, f.model_attr, value)


def _enum(enum, value: Any, what: str):  # type: ignore[no-untyped-def]
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError as exc:
        raise Rejected(protocol.INVALID, f"{what} {value!r} is not allowed.") from exc


def _moment(value: Any, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise Rejected(protocol.INVALID, f"{what} is not a date and time.") from exc


def _linked(ctx: Context, model, ids: Any, what: str) -> list[Any]:  # type: ignore[no-untyped-def]
    if not isinstance(ids, list) or len(ids) > protocol.LIST_MAX:
        raise Rejected(protocol.INVALID, f"{what} must be a list of at most {protocol.LIST_MAX}.")
    found = []
    for raw in dict.fromkeys(str(i) for i in ids):  # a link is made once, however often named
        row = ctx.session.get(model, uuid_of(raw, what))
        if row is None:
            # A laptop links entries it holds: one gone from the server was removed since.
            raise Rejected(
                protocol.CONFLICT,
                f"{what} names an entry someone else removed since your copy.",
                fields=[what],
            )
        if row.audit_id != ctx.audit.id:
            raise Rejected(protocol.INVALID, f"{what} names an entry this audit does not have.")
        found.append(row)
    return found


def _response(ctx: Context, item_key: str, *, create_id: Any = None) -> tuple[Response, bool]:
    if not isinstance(item_key, str) or ":" not in item_key or len(item_key) > 120:
        raise Rejected(protocol.INVALID, "item_key is not a checklist item key.")
    row = ctx.session.scalars(
        select(Response).where(Response.audit_id == ctx.audit.id, Response.item_key == item_key)
    ).first()
    if row is not None:
        return row, False
    new_id = uuid_of(create_id, "id") if create_id else uuid.uuid4()
    if ctx.session.get(Response, new_id) is not None:
        new_id = uuid.uuid4()
    row = Response(
        id=new_id,
        audit_id=ctx.audit.id,
        item_key=item_key,
        version=0,
        documents=[],
        notes="",
        justification="",
        field_versions={},
    )
    ctx.session.add(row)
    return row, True


@handler("answer.set.v1")
def answer_set(ctx: Context, m: Mutation) -> dict[str, Any]:
    p = m.payload
    row, created = _response(ctx, p.get("item_key", m.entity_id), create_id=p.get("id"))
    fields = [f for f in ANSWER_FIELDS if f in p]
    check_and_stamp(row, fields, m.base_version, lambda: rows.response_row(row), created=created)
    _simple(wire.RESPONSE, row, p)
    if "interviewee_ids" in p:
        row.interviewees = _linked(ctx, Interviewee, p["interviewee_ids"], "interviewee_ids")
    if "sampled_record_ids" in p:
        row.sampled_records = _linked(
            ctx, SampledRecord, p["sampled_record_ids"], "sampled_record_ids"
        )
    row.answered_by_id = ctx.user.id
    ctx.session.flush()
    ctx.changed("response", row.item_key)
    return {"version": row.version}


def _finding_fields(ctx: Context, row: Finding, p: dict[str, Any]) -> None:
    with ctx.session.no_autoflush:  # a new finding must not be flushed before it is checked
        sites = {s.id for s in ctx.audit.sites}
    _simple(wire.FINDING, row, p)
    if row.site_id is not None and row.site_id not in sites:
        raise Rejected(protocol.INVALID, "site_id is not one of the audit's sites.")
    if "clause_refs" in p:
        refs = p["clause_refs"]
        # [checklist id, number] or, from schema 2, [checklist id, number, detail ("c)")]
        # The checklist id, the clause number and its detail as long as their columns.
        if (
            not isinstance(refs, list)
            or len(refs) > protocol.LIST_MAX
            or not all(
                isinstance(r, list)
                and len(r) in (2, 3)
                and all(isinstance(x, str) for x in r)
                and len(r[0]) <= 80
                and len(r[1]) <= 40
                for r in refs
            )
        ):
            raise Rejected(
                protocol.INVALID, "clause_refs must be [checklist id, number, detail] lists."
            )
        pinned = {c.checklist_id for c in ctx.audit.checklists}
        if any(r[0] not in pinned for r in refs):
            raise Rejected(protocol.INVALID, "A clause reference names a standard not audited.")
        details = {(r[0], r[1]): (r[2] if len(r) == 3 else "")[:40] for r in refs}
        existing = {(c.checklist_id, c.clause_number): c for c in row.clauses}
        row.clauses = [
            _clause(existing, c, n, i, details[(c, n)])
            for i, (c, n) in enumerate(dict.fromkeys((r[0], r[1]) for r in refs))
        ]
    if "interviewee_ids" in p:
        row.interviewees = _linked(ctx, Interviewee, p["interviewee_ids"], "interviewee_ids")
    if "sampled_record_ids" in p:
        row.sampled_records = _linked(
            ctx, SampledRecord, p["sampled_record_ids"], "sampled_record_ids"
        )
    if "item_keys" in p:
        if not isinstance(p["item_keys"], list) or len(p["item_keys"]) > protocol.LIST_MAX:
            raise Rejected(
                protocol.INVALID, f"item_keys must be a list of at most {protocol.LIST_MAX}."
            )
        responses = []
        for key in dict.fromkeys(k if isinstance(k, str) else "" for k in p["item_keys"]):
            response, created = _response(ctx, key)
            if created:
                check_and_stamp(response, [], None, dict, created=True)
                ctx.session.flush()
                ctx.changed("response", key)
            responses.append(response)
        row.responses = responses


def _clause(existing, checklist_id: str, number: str, position: int, detail: str) -> FindingClause:  # type: ignore[no-untyped-def]
    clause = existing.get((checklist_id, number)) or FindingClause(
        checklist_id=checklist_id, clause_number=number
    )
    clause.position = position
    clause.detail = detail
    return clause


@handler("finding.create.v1")
def finding_create(ctx: Context, m: Mutation) -> dict[str, Any]:
    finding_id = uuid_of(m.entity_id, "finding id")
    if ctx.session.get(Finding, finding_id) is not None:
        raise Rejected(protocol.INVALID, "A finding with this id exists already.")
    p = m.payload
    count = ctx.session.scalar(
        select(func.count()).select_from(Finding).where(Finding.audit_id == ctx.audit.id)
    )
    row = Finding(
        id=finding_id,
        audit_id=ctx.audit.id,
        created_by_id=ctx.user.id,
        local_number=_free_local_number(ctx, _local_number(p.get("local_number"))),
        number=f"F{(count or 0) + 1}",
        version=0,
        field_versions={},
        grade=Grade.OBSERVATION,
    )
    ctx.session.add(row)
    _finding_fields(ctx, row, p)
    check_and_stamp(row, [f for f in FINDING_FIELDS if f in p], None, dict, created=True)
    ctx.session.flush()
    ctx.changed("finding", str(row.id))
    return {"version": row.version, "number": row.number, "local_number": row.local_number}


def _free_local_number(ctx: Context, wanted: int) -> int:
    """The auditor's draft number, or the next free one when another of their laptops took it.

    Two laptops of one auditor number their findings independently (P1, P2, ...); the second
    to sync gets the next free number back with its result and takes it, never a refusal.
    """
    mine = select(Finding.local_number).where(
        Finding.audit_id == ctx.audit.id, Finding.created_by_id == ctx.user.id
    )
    if ctx.session.scalar(mine.where(Finding.local_number == wanted)) is None:
        return wanted
    return (ctx.session.scalar(select(func.max(mine.subquery().c.local_number))) or 0) + 1


def _local_number(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= protocol.INT_MAX:
        raise Rejected(protocol.INVALID, "local_number must be a positive whole number.")
    return value


def _finding(ctx: Context, m: Mutation) -> Finding:
    row = ctx.session.get(Finding, uuid_of(m.entity_id, "finding id"))
    if row is None or row.audit_id != ctx.audit.id:
        raise Rejected(protocol.INVALID, "This audit has no such finding.")
    return row


@handler("finding.update.v1")
def finding_update(ctx: Context, m: Mutation) -> dict[str, Any]:
    row = _finding(ctx, m)
    if row.deleted_at is not None:
        raise Rejected(
            protocol.CONFLICT,
            "The finding was deleted by someone else.",
            fields=["deleted"],
            server_row=rows.finding_row(row),
        )
    fields = [f for f in FINDING_FIELDS if f in m.payload]
    check_and_stamp(row, fields, m.base_version, lambda: rows.finding_row(row))
    _finding_fields(ctx, row, m.payload)
    ctx.session.flush()
    ctx.changed("finding", str(row.id))
    return {"version": row.version}


@handler("finding.delete.v1")
def finding_delete(ctx: Context, m: Mutation) -> dict[str, Any]:
    row = _finding(ctx, m)
    if row.deleted_at is None:
        # An edit someone else made after our base is a conflict, never a silent loss.
        check_and_stamp(row, list(FINDING_FIELDS), m.base_version, lambda: rows.finding_row(row))
        row.deleted_at = utcnow()
        ctx.changed("finding", str(row.id))
    return {"version": row.version}


@handler("meeting.set.v1")
def meeting_set(ctx: Context, m: Mutation) -> dict[str, Any]:
    p = m.payload
    kind = _enum(MeetingKind, p.get("kind"), "kind")
    if kind is None:
        raise Rejected(protocol.INVALID, "kind is 'opening' or 'closing'.")
    row = ctx.session.scalars(
        select(Meeting).where(Meeting.audit_id == ctx.audit.id, Meeting.kind == kind)
    ).first()
    created = row is None
    if row is None:
        row = Meeting(
            audit_id=ctx.audit.id, kind=kind, version=0, attendees=[], notes="", field_versions={}
        )
        ctx.session.add(row)
    fields = [f for f in wire.MEETING.names if f in p]
    check_and_stamp(row, fields, m.base_version, lambda: rows.meeting_row(row), created=created)
    _simple(wire.MEETING, row, p)
    if "attendees" in p:
        attendees = p["attendees"]
        if (
            not isinstance(attendees, list)
            or len(attendees) > 200
            or not all(
                isinstance(a, dict)
                and isinstance(a.get("name"), str)
                and len(a["name"]) <= 200
                and len(str(a.get("role", ""))) <= 200
                for a in attendees
            )
        ):
            raise Rejected(protocol.INVALID, "attendees must be a list of {name, role}.")
        row.attendees = [{"name": a["name"], "role": str(a.get("role", ""))} for a in attendees]
    ctx.session.flush()
    ctx.changed("meeting", kind.value)
    return {"version": row.version}


def _register(ctx: Context, m: Mutation, model, spec: wire.Entity):  # type: ignore[no-untyped-def]
    """An entry of a register (people interviewed, records sampled): created or changed."""
    entity = spec.name
    row_id = uuid_of(m.entity_id, f"{entity} id")
    row = ctx.session.get(model, row_id)
    created = row is None
    if row is None and m.base_version is not None:
        # The laptop changed an entry it had, so someone removed it since: re-creating it
        # from the changed fields alone would be a silent resurrection.
        raise Rejected(
            protocol.CONFLICT,
            f"Someone else removed this {entity.replace('_', ' ')} since your copy.",
            fields=["deleted"],
            server_row={"id": m.entity_id, "deleted": True},
        )
    if row is None:
        row = model(id=row_id, audit_id=ctx.audit.id, version=0, field_versions={})
    elif row.audit_id != ctx.audit.id:
        raise Rejected(protocol.INVALID, f"This {entity} belongs to another audit.")
    touched = [f for f in spec.names if f in m.payload]
    check_and_stamp(row, touched, m.base_version, lambda: wire.row(spec, row), created=created)
    _simple(spec, row, m.payload)
    first = spec.fields[0]  # the name or the reference
    if created and not getattr(row, first.name):
        raise Rejected(protocol.INVALID, f"A new {entity} needs its {first.name}.")
    for f in spec.fields:
        if getattr(row, f.name) is None and f.kind in (wire.TEXT, wire.LINE):
            setattr(row, f.name, "")
    if created:
        ctx.session.add(row)  # only once whole: a half-filled row must never be flushed
    ctx.session.flush()
    ctx.changed(entity, str(row.id))
    return {"version": row.version}


@handler("interviewee.upsert.v1")
def interviewee_upsert(ctx: Context, m: Mutation) -> dict[str, Any]:
    return _register(ctx, m, Interviewee, wire.INTERVIEWEE)


@handler("sampled_record.upsert.v1")
def record_upsert(ctx: Context, m: Mutation) -> dict[str, Any]:
    return _register(ctx, m, SampledRecord, wire.SAMPLED_RECORD)


def _register_delete(ctx: Context, m: Mutation, model, entity: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    row = ctx.session.get(model, uuid_of(m.entity_id, f"{entity} id"))
    if row is not None and row.audit_id == ctx.audit.id:
        # A teammate's edit after our copy is a conflict, never silently deleted with it.
        spec = wire.ENTITIES[entity]
        check_and_stamp(row, list(spec.names), m.base_version, lambda: wire.row(spec, row))
        ctx.session.delete(row)
        ctx.session.flush()
        ctx.changed(entity, m.entity_id)
    return {}


@handler("interviewee.delete.v1")
def interviewee_delete(ctx: Context, m: Mutation) -> dict[str, Any]:
    return _register_delete(ctx, m, Interviewee, "interviewee")


@handler("sampled_record.delete.v1")
def record_delete(ctx: Context, m: Mutation) -> dict[str, Any]:
    return _register_delete(ctx, m, SampledRecord, "sampled_record")


ACTIVITY_FIELDS = wire.ACTIVITY.names


@handler("activity.upsert.v1")
def activity_upsert(ctx: Context, m: Mutation) -> dict[str, Any]:
    """An entry of the register of audit time (who, when, where, on site or remote)."""
    p = m.payload
    row_id = uuid_of(m.entity_id, "activity id")
    row = ctx.session.get(AuditActivity, row_id)
    created = row is None
    if row is None and m.base_version is not None:
        raise Rejected(
            protocol.CONFLICT,
            "Someone else removed this entry of audit time since your copy.",
            fields=["deleted"],
            server_row={"id": m.entity_id, "deleted": True},
        )
    if row is None:
        # Added to the session only once whole: a half-filled row must never be flushed.
        row = AuditActivity(id=row_id, audit_id=ctx.audit.id, version=0, field_versions={})
    elif row.audit_id != ctx.audit.id:
        raise Rejected(protocol.INVALID, "This entry belongs to another audit.")
    touched = [f for f in ACTIVITY_FIELDS if f in p]
    check_and_stamp(row, touched, m.base_version, lambda: rows.activity_row(row), created=created)
    with ctx.session.no_autoflush:
        _activity_fields(ctx, row, p)
    if row.day is None or row.mode is None or row.hours is None:
        raise Rejected(protocol.INVALID, "A new entry needs its day, mode and hours.")
    if created:
        ctx.session.add(row)
    ctx.session.flush()
    ctx.changed("activity", str(row.id))
    return {"version": row.version}


def _activity_fields(ctx: Context, row: AuditActivity, p: dict[str, Any]) -> None:
    _simple(wire.ACTIVITY, row, p)
    if "auditor_id" in p and row.auditor_id not in {t.user_id for t in ctx.audit.team}:
        if row.auditor_id is not None:
            raise Rejected(protocol.INVALID, "auditor_id is not on the audit team.")
    if row.site_id is not None and row.site_id not in {s.id for s in ctx.audit.sites}:
        raise Rejected(protocol.INVALID, "site_id is not one of the audit's sites.")
    if row.hours is not None and not Decimal(0) < row.hours <= Decimal(16):
        raise Rejected(protocol.INVALID, "hours must be more than 0 and at most 16.")
    if row.auditor_id is None:
        row.auditor_id = ctx.user.id
    if row.activity is None:
        row.activity = ""
    if row.ict is None:
        row.ict = ""


@handler("activity.delete.v1")
def activity_delete(ctx: Context, m: Mutation) -> dict[str, Any]:
    row = ctx.session.get(AuditActivity, uuid_of(m.entity_id, "activity id"))
    if row is not None and row.audit_id == ctx.audit.id:
        check_and_stamp(row, list(ACTIVITY_FIELDS), m.base_version, lambda: rows.activity_row(row))
        ctx.session.delete(row)
        ctx.session.flush()
        ctx.changed("activity", m.entity_id)
    return {}


@handler("photo.add.v1")
def photo_add(ctx: Context, m: Mutation) -> dict[str, Any]:
    p = m.payload
    photo_id = uuid_of(m.entity_id, "photo id")
    if ctx.session.get(Photo, photo_id) is not None:
        raise Rejected(protocol.INVALID, "A photo with this id exists already.")
    sha = str(p.get("sha256", ""))
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise Rejected(protocol.INVALID, "sha256 must be 64 lower-case hex digits.")
    stored = _blob_stored(ctx, sha)
    response_id = finding_id = None
    if p.get("finding_id"):
        finding = ctx.session.get(Finding, uuid_of(p["finding_id"], "finding_id"))
        if finding is None or finding.audit_id != ctx.audit.id:
            raise Rejected(protocol.INVALID, "The photo's finding is not part of this audit.")
        finding_id = finding.id
    elif p.get("item_key"):
        response, created = _response(ctx, p["item_key"])
        if created:
            check_and_stamp(response, [], None, dict, created=True)
            ctx.session.flush()
            ctx.changed("response", response.item_key)
        response_id = response.id
    annotated_from_id = None
    if p.get("annotated_from_id"):
        original = ctx.session.get(Photo, uuid_of(p["annotated_from_id"], "annotated_from_id"))
        if original is None or original.audit_id != ctx.audit.id:
            raise Rejected(protocol.INVALID, "The photo drawn on is not part of this audit.")
        annotated_from_id = original.id
    try:
        size, width, height = int(p["size"]), int(p["width"]), int(p["height"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise Rejected(protocol.INVALID, "size, width and height must be numbers.") from exc
    if not (0 < size <= protocol.BLOB_MAX_BYTES and 0 < width <= 100_000 and 0 < height <= 100_000):
        raise Rejected(protocol.INVALID, "size, width or height is out of range.")
    row = Photo(
        id=photo_id,
        audit_id=ctx.audit.id,
        sha256=sha,
        size=size,
        width=width,
        height=height,
        taken_at=_moment(p.get("taken_at"), "taken_at"),
        caption=text(p, "caption", 500),
        response_id=response_id,
        finding_id=finding_id,
        annotated_from_id=annotated_from_id,
        created_by_id=ctx.user.id,
        version=1,
        field_versions={},
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.changed("photo", str(row.id))
    # A photo whose bytes the server lacks (not sent yet, or sent too long before this push
    # and removed as unreferenced): the laptop sends them again at its next sync.
    return {"version": 1} if stored else {"version": 1, "blob_missing": True}


def _blob_stored(ctx: Context, sha: str) -> bool:
    """Whether the server has the photo's bytes; refused when it has them from others only.

    A photo may name bytes not here yet (they follow; submit waits for them), bytes a
    laptop of this auditor sent, or those of a photo in an audit they may pull. Naming any
    other stored blob would let the auditor read another team's photo through their own
    audit: refused. Under the blob's lock, so garbage collection cannot remove it meanwhile.
    """
    blobs.lock_blob(ctx.session, sha)
    if ctx.session.scalars(select(Blob.sha256).where(Blob.sha256 == sha)).first() is None:
        return False
    if ctx.session.scalars(access.held_blobs(ctx.user, [sha])).first() is None:
        raise Rejected(
            protocol.BLOB_NOT_YOURS,
            "This photo's bytes were not sent by your laptops and are in none of your "
            "audits, so it was not added; sync to send it from this laptop, then add it again.",
        )
    return True


def _photo(ctx: Context, m: Mutation) -> Photo:
    row = ctx.session.get(Photo, uuid_of(m.entity_id, "photo id"))
    if row is None or row.audit_id != ctx.audit.id:
        raise Rejected(protocol.INVALID, "This audit has no such photo.")
    return row


@handler("photo.update.v1")
def photo_update(ctx: Context, m: Mutation) -> dict[str, Any]:
    row = _photo(ctx, m)
    check_and_stamp(row, ["caption"], m.base_version, lambda: rows.photo_row(row, None))
    _simple(wire.PHOTO, row, {"caption": m.payload.get("caption")})
    ctx.changed("photo", str(row.id))
    return {"version": row.version}


@handler("photo.delete.v1")
def photo_delete(ctx: Context, m: Mutation) -> dict[str, Any]:
    row = _photo(ctx, m)
    if row.deleted_at is None:
        row.deleted_at = utcnow()
        row.version += 1
        ctx.changed("photo", str(row.id))
    return {"version": row.version}


def _closure(ctx: Context) -> tuple[AuditClosure, bool]:
    row = ctx.session.scalars(
        select(AuditClosure).where(AuditClosure.audit_id == ctx.audit.id)
    ).first()
    if row is not None:
        return row, False
    row = AuditClosure(
        audit_id=ctx.audit.id, version=0, field_versions={}, **dict.fromkeys(TEXT_FIELDS, "")
    )
    ctx.session.add(row)
    return row, True


@handler("closure.set.v1")
def closure_set(ctx: Context, m: Mutation) -> dict[str, Any]:
    row, created = _closure(ctx)
    p = m.payload
    fields = [f for f in wire.CLOSURE.names if f in p]
    check_and_stamp(row, fields, m.base_version, lambda: rows.closure_row(row), created=created)
    _simple(wire.CLOSURE, row, p)
    ctx.session.flush()
    ctx.changed("closure", str(ctx.audit.id))
    return {"version": row.version}


@handler("audit.sign.v1")
def audit_sign(ctx: Context, m: Mutation) -> dict[str, Any]:
    if ctx.role != TeamRole.LEAD:
        raise Rejected(protocol.NOT_LEAD, "Only the lead auditor signs off an audit.")
    row, _ = _closure(ctx)
    sha = str(m.payload.get("content_sha256", ""))
    if len(sha) != 64:
        raise Rejected(protocol.INVALID, "content_sha256 must be a sha256.")
    row.signed_by_id = ctx.user.id
    row.signed_at = _moment(m.payload.get("signed_at"), "signed_at") or utcnow()
    row.signed_content_sha256 = sha
    version = m.payload.get("digest_version", 1)
    if version not in DIGEST_VERSIONS:
        raise Rejected(protocol.INVALID, f"digest_version {version!r} is not known here.")
    row.digest_version = version
    row.version = (row.version or 0) + 1
    ctx.session.flush()
    ctx.changed("closure", str(ctx.audit.id))
    return {"version": row.version}


@handler("audit.acknowledge.v1")
def audit_acknowledge(ctx: Context, m: Mutation) -> dict[str, Any]:
    row, _ = _closure(ctx)
    if row.signed_at is None:
        raise Rejected(protocol.INVALID, "The audit is not signed on the server.")
    row.auditee_name = text(m.payload, "auditee_name", 200)
    row.auditee_acknowledged_at = _moment(m.payload.get("acknowledged_at"), "acknowledged_at")
    row.version += 1
    ctx.changed("closure", str(ctx.audit.id))
    return {"version": row.version}


@handler("audit.signature_void.v1")
def audit_signature_void(ctx: Context, m: Mutation) -> dict[str, Any]:
    row, _ = _closure(ctx)
    row.signed_by_id = None
    row.signed_at = None
    row.signed_content_sha256 = None
    row.auditee_name = ""
    row.auditee_acknowledged_at = None
    row.version = (row.version or 0) + 1
    ctx.session.flush()
    ctx.changed("closure", str(ctx.audit.id))
    return {"version": row.version}
