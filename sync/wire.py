"""The wire format of each synced entity, spelled once.

An `Entity` lists the fields a laptop may change (its mutation payload) and the fields only
its row carries (ids, versions, the server's number). Each `Field` knows its kind, so from this
one list come:

- the row a laptop pulls (`row`), built by the server (sync/engine/rows.py);
- the values a laptop applies from a pulled row (`read`: the client, sync/client/apply_pull.py);
- the change a laptop queues (`changes`: auditkit/capture/ compares rows before and after);
- the server's checks of a payload (`check`: sync/engine/handlers.py);
- the JSON Schemas of the OpenAPI document (`json_schema`; tests/sync/test_wire.py checks the
  document's row and payload schemas against them).

Links to other rows (interviewees, records, clauses, items) are kinds too: the row carries
their ids, and the two sides resolve them in their own database. The content digest keeps its
own frozen form (auditkit/capture/digest.py): a signature must verify for ever.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from auditkit.capture.closure_fields import CHOICE_FIELDS, TEXT_FIELDS
from auditkit.models import (
    ActivityMode,
    CommentKind,
    CorrectiveActionStatus,
    Grade,
    MeetingKind,
    Recommendation,
    Verdict,
)
from sync.protocol import LIST_MAX

TEXT, LINE, ENUM, UUID, IDS, STRINGS, DAY, MOMENT, INT, DECIMAL, BOOL = (
    "text",
    "line",
    "enum",
    "uuid",
    "ids",
    "strings",
    "day",
    "moment",
    "int",
    "decimal",
    "bool",
)
MAYBE = "maybe"  # a short text that may be absent (null): a number not yet given, a hash
REFS, ATTENDEES, ITEM_KEYS = "refs", "attendees", "item_keys"  # links with a shape of their own


class WireError(ValueError):
    """A payload value of the wrong kind; the message names the field."""


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    attr: str = ""  # the model attribute, when it differs from the name
    limit: int = 20_000
    enum: type[StrEnum] | None = None
    nullable: bool = True

    @property
    def model_attr(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Entity:
    name: str  # as pull names it
    fields: tuple[Field, ...]  # what a laptop's mutation may set
    row_only: tuple[Field, ...] = field(default=())  # what only the pulled row carries

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in (*self.fields, *self.row_only) if f.name == name)


def _ids(rows: Any) -> list[str]:
    return sorted(str(r.id) for r in rows)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def value_of(f: Field, obj: Any) -> Any:
    """The field's wire value from a model object."""
    value = getattr(obj, f.model_attr)
    if f.kind == ENUM:
        return value.value if value is not None else None
    if f.kind == UUID:
        return str(value) if value else None
    if f.kind == IDS:
        return _ids(value or [])
    if f.kind in (DAY, MOMENT):
        return _iso(value)
    if f.kind == DECIMAL:
        return str(value) if value is not None else None
    if f.kind == STRINGS:
        return list(value or [])
    if f.kind == REFS:
        return [[c.checklist_id, c.clause_number, c.detail or ""] for c in value]
    if f.kind == ITEM_KEYS:
        return [r.item_key for r in value]
    if f.kind == ATTENDEES:
        return [dict(a) for a in value or []]
    if f.kind in (TEXT, LINE):
        return value or ""
    return value


def row(entity: Entity, obj: Any, **extra: Any) -> dict[str, Any]:
    """The row of `obj` as pull sends it: every field, then what only the row carries."""
    data = {f.name: value_of(f, obj) for f in (*entity.fields, *entity.row_only)}
    return {**data, **extra}


def changes(entity: Entity, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose wire values differ: what a laptop's mutation carries."""
    return {n: after[n] for n in entity.names if n in after and before.get(n) != after[n]}


def check(f: Field, value: Any) -> Any:
    """A payload value of a simple kind, as the model stores it; WireError if it is not one."""
    if value in (None, "") and f.nullable and f.kind not in (TEXT, LINE, MAYBE, STRINGS):
        return None
    if f.kind in (TEXT, LINE, MAYBE):
        if not isinstance(value, str) or len(value) > f.limit:
            raise WireError(f"{f.name} must be text of at most {f.limit} characters.")
        return value
    if f.kind == ENUM:
        assert f.enum is not None
        try:
            return f.enum(value)
        except ValueError as exc:
            raise WireError(f"{f.name} {value!r} is not allowed.") from exc
    if f.kind == UUID:
        try:
            return uuid.UUID(str(value))
        except ValueError as exc:
            raise WireError(f"{f.name} is not a valid id.") from exc
    if f.kind == DAY:
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise WireError(f"{f.name} is not a date.") from exc
    if f.kind == MOMENT:
        try:
            return datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise WireError(f"{f.name} is not a date and time.") from exc
    if f.kind == DECIMAL:
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise WireError(f"{f.name} is not a number.") from exc
        if not number.is_finite() or abs(number) >= 10**6:
            raise WireError(f"{f.name} is out of range.")
        return number
    if f.kind == STRINGS:
        if (
            not isinstance(value, list)
            or len(value) > LIST_MAX
            or not all(isinstance(v, str) and len(v) <= f.limit for v in value)
        ):
            raise WireError(f"{f.name} must be a list of at most {LIST_MAX} texts.")
        return value
    if f.kind == INT:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
            raise WireError(f"{f.name} must be a positive whole number.")
        return value
    raise WireError(f"{f.name} is not a simple value")  # links: the caller resolves them


def read(f: Field, value: Any) -> Any:
    """A pulled row's value as the laptop's model stores it (the server already checked it)."""
    if value is None:
        return None if f.kind not in (TEXT, LINE, STRINGS) else ([] if f.kind == STRINGS else "")
    if f.kind == ENUM:
        assert f.enum is not None
        return f.enum(value)
    if f.kind == UUID:
        return uuid.UUID(value)
    if f.kind == DAY:
        return date.fromisoformat(value)
    if f.kind == MOMENT:
        return datetime.fromisoformat(value)
    if f.kind == DECIMAL:
        return Decimal(value)
    return value


LINKS = (IDS, REFS, ITEM_KEYS)


def assign(
    entity: Entity,
    obj: Any,
    data: Mapping[str, Any],
    *,
    skip: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
) -> None:
    """Set the simple fields of `entity` that `data` carries on `obj` (a pulled row on the
    laptop). Links are the caller's: they need its database; the row's id and `skip` stay."""
    for f in (*entity.fields, *entity.row_only):
        if f.name == "id" or f.kind in LINKS or f.name in skip or f.name not in data:
            continue
        if only is None or f.name in only:
            setattr(obj, f.model_attr, read(f, data[f.name]))


# ---- the entities ----

VERSION = Field("version", INT, nullable=False)
ID = Field("id", UUID, nullable=False)

RESPONSE = Entity(
    "response",
    (
        Field("verdict", ENUM, enum=Verdict),
        Field("notes", TEXT),
        Field("justification", TEXT),
        Field("documents", STRINGS, limit=300),
        Field("interviewee_ids", IDS, attr="interviewees"),
        Field("sampled_record_ids", IDS, attr="sampled_records"),
    ),
    (Field("item_key", LINE, limit=120), Field("answered_by_id", UUID), VERSION),
)
FINDING = Entity(
    "finding",
    (
        Field("grade", ENUM, enum=Grade, nullable=False),
        Field("requirement", TEXT),
        Field("objective_evidence", TEXT),
        Field("statement", TEXT),
        Field("extent", LINE, limit=200),
        Field("site_id", UUID),
        Field("process", LINE, limit=200),
        Field("clause_refs", REFS, attr="clauses"),
        Field("interviewee_ids", IDS, attr="interviewees"),
        Field("sampled_record_ids", IDS, attr="sampled_records"),
        Field("item_keys", ITEM_KEYS, attr="responses"),
    ),
    (
        ID,
        Field("local_number", INT, nullable=False),
        Field("number", MAYBE, limit=40),
        Field("created_by_id", UUID),
        VERSION,
    ),
)
PHOTO = Entity(
    "photo",
    (Field("caption", LINE, limit=500),),
    (
        ID,
        Field("sha256", LINE, limit=64),
        Field("size", INT),
        Field("width", INT),
        Field("height", INT),
        Field("taken_at", MOMENT),
        Field("finding_id", UUID),
        Field("annotated_from_id", UUID),
        Field("created_by_id", UUID),
        VERSION,
    ),
)
INTERVIEWEE = Entity(
    "interviewee",
    (
        Field("name", LINE, limit=200),
        Field("job_role", LINE, limit=200),
        Field("department", LINE, limit=200),
    ),
    (ID, VERSION),
)
SAMPLED_RECORD = Entity(
    "sampled_record",
    (
        Field("reference", LINE, limit=200),
        Field("record_type", LINE, limit=200),
        Field("record_date", DAY),
        Field("reason", TEXT),
    ),
    (ID, VERSION),
)
ACTIVITY = Entity(
    "activity",
    (
        Field("auditor_id", UUID),
        Field("day", DAY, nullable=False),
        Field("site_id", UUID),
        Field("mode", ENUM, enum=ActivityMode, nullable=False),
        Field("hours", DECIMAL, nullable=False),
        Field("activity", TEXT, limit=2000),
        Field("ict", LINE, limit=300),
    ),
    (ID, VERSION),
)
MEETING = Entity(
    "meeting",
    (Field("held_at", MOMENT), Field("attendees", ATTENDEES), Field("notes", TEXT)),
    (Field("kind", ENUM, enum=MeetingKind, nullable=False), VERSION),
)
CLOSURE = Entity(
    "closure",
    (
        Field("recommendation", ENUM, enum=Recommendation),
        *(Field(name, ENUM, enum=enum) for name, enum in CHOICE_FIELDS.items()),
        *(Field(name, TEXT) for name in TEXT_FIELDS),
    ),
    (
        Field("signed_by_id", UUID),
        Field("signed_at", MOMENT),
        Field("signed_content_sha256", MAYBE, limit=64),
        Field("digest_version", INT, nullable=False),
        Field("auditee_name", LINE, limit=200),
        Field("auditee_acknowledged_at", MOMENT),
        VERSION,
    ),
)
REVIEW_COMMENT = Entity(
    "review_comment",
    # What a laptop sends (query.answer.v1): the answer, and the query it answers.
    (Field("body", TEXT, limit=5000), Field("parent_id", UUID)),
    (
        ID,
        Field("kind", ENUM, enum=CommentKind, nullable=False),
        Field("finding_id", UUID),
        Field("item_key", MAYBE, limit=120),
        Field("created_at", MOMENT),
        Field("resolved_at", MOMENT),
        Field("resolved_by", LINE, attr="resolved_by_name", limit=200),
        VERSION,
    ),
)
# A nonconformity's corrective action as the lead's laptop sees it: its state, and the
# revisions the client sent (never a draft), each with its evidence files and judgement.
# What a laptop sends: the judgement of one revision (capa.judge.v1) or the verification
# (capa.verify.v1), naming the revision it read.
CAPA_REVISION = Entity(
    "capa_revision",
    (),
    (
        ID,
        Field("number", INT, nullable=False),
        Field("stage", LINE, limit=16),
        Field("correction", TEXT, limit=10_000),
        Field("root_cause", TEXT, limit=10_000),
        Field("action", TEXT, limit=10_000),
        Field("action_due", DAY),
        Field("note", TEXT, limit=10_000),
        Field("submitted_at", MOMENT),
        Field("submitted_by", LINE, attr="submitted_by_name", limit=200),
        Field("judgement", LINE, limit=16),
        Field("judged_at", MOMENT),
        Field("judged_by", LINE, attr="judged_by_name", limit=200),
        Field("judgement_reason", TEXT, limit=10_000),
    ),
)
EVIDENCE_FILE = Entity(
    "evidence_file",
    (),
    (
        ID,
        Field("sha256", LINE, limit=64),
        Field("filename", LINE, limit=200),
        Field("media_type", LINE, limit=120),
        Field("size", INT, nullable=False),
    ),
)
CAPA_JUDGEMENT = Entity(
    "capa_judgement",  # the payload of capa.judge.v1 and capa.verify.v1, never a pulled row
    (
        Field("revision", INT, nullable=False),
        Field("verdict", LINE, limit=16),  # accept or reject (capa.judge.v1)
        Field("reason", TEXT, limit=10_000),
        Field("method", LINE, limit=32),  # a VerificationMethod (capa.verify.v1)
        Field("note", TEXT, limit=10_000),
    ),
)
CORRECTIVE_ACTION = Entity(
    "corrective_action",
    (),
    (
        ID,
        Field("finding_id", UUID),
        Field("status", ENUM, enum=CorrectiveActionStatus, nullable=False),
        Field("submitted_revision", INT, nullable=False),
        Field("verified_at", MOMENT),
        Field("verified_by", LINE, attr="verified_by_name", limit=200),
        Field("verification_method", LINE, limit=32),
        Field("verification_note", TEXT, limit=10_000),
        VERSION,
    ),
)
ENTITIES = {
    e.name: e
    for e in (
        RESPONSE,
        FINDING,
        PHOTO,
        INTERVIEWEE,
        SAMPLED_RECORD,
        ACTIVITY,
        MEETING,
        CLOSURE,
        REVIEW_COMMENT,
        CORRECTIVE_ACTION,
    )
}


# ---- JSON Schema, for the OpenAPI document ----

_SCHEMAS: dict[str, Callable[[Field], dict[str, Any]]] = {
    TEXT: lambda f: {"type": "string", "maxLength": f.limit},
    LINE: lambda f: {"type": "string", "maxLength": f.limit},
    MAYBE: lambda f: {"type": "string", "maxLength": f.limit},
    ENUM: lambda f: {"type": "string", "enum": [m.value for m in f.enum or ()]},
    UUID: lambda f: {"type": "string", "format": "uuid"},
    IDS: lambda f: {
        "type": "array",
        "items": {"type": "string", "format": "uuid"},
        "maxItems": LIST_MAX,
    },
    STRINGS: lambda f: {
        "type": "array",
        "items": {"type": "string", "maxLength": f.limit},
        "maxItems": LIST_MAX,
    },
    DAY: lambda f: {"type": "string", "format": "date"},
    MOMENT: lambda f: {"type": "string", "format": "date-time"},
    INT: lambda f: {"type": "integer"},
    DECIMAL: lambda f: {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
    BOOL: lambda f: {"type": "boolean"},
    REFS: lambda f: {
        "type": "array",
        "items": {
            "type": "array",
            "prefixItems": [
                {"type": "string", "maxLength": 80},
                {"type": "string", "maxLength": 40},
                {"type": "string", "maxLength": 40},
            ],
            "minItems": 2,
            "maxItems": 3,
        },
        "maxItems": LIST_MAX,
        "description": "[checklist id, clause number (a VCA question id for VCA), detail such "
        "as 'c)'] of standards pinned to the audit; schema 1 sends pairs.",
    },
    ITEM_KEYS: lambda f: {
        "type": "array",
        "items": {"type": "string", "maxLength": 120},
        "maxItems": LIST_MAX,
    },
    ATTENDEES: lambda f: {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
            "required": ["name"],
        },
        "maxItems": 200,
    },
}


def json_schema(f: Field) -> dict[str, Any]:
    schema = _SCHEMAS[f.kind](f)
    if f.nullable and f.kind not in (TEXT, LINE, IDS, STRINGS, REFS, ITEM_KEYS, ATTENDEES):
        return {"anyOf": [schema, {"type": "null"}]}
    return schema
