"""The OpenAPI document of the sync API: written by hand where it describes the protocol
(paths, errors, versions), generated from sync/wire.py where it describes an entity's fields.

`python -m sync.spec` rewrites sync/openapi.json with the entity schemas as the wire defines
them; tests/sync/test_wire.py fails while the file and the wire disagree. No Flask here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sync import wire

SPEC = Path(__file__).resolve().parent / "openapi.json"
# entity -> the schemas that carry its fields: its pulled row, and its mutation payloads.
ROWS = {
    "response": "ResponseRow",
    "finding": "FindingRow",
    "photo": "PhotoRow",
    "interviewee": "IntervieweeRow",
    "sampled_record": "SampledRecordRow",
    "meeting": "MeetingRow",
    "closure": "ClosureRow",
    "activity": "ActivityRow",
    "review_comment": "ReviewCommentRow",
}
PAYLOADS = {
    "response": ("AnswerSetPayload",),
    "finding": ("FindingCreatePayload", "FindingUpdatePayload"),
    "photo": ("PhotoUpdatePayload",),
    "interviewee": ("IntervieweeUpsertPayload",),
    "sampled_record": ("SampledRecordUpsertPayload",),
    "meeting": ("MeetingSetPayload",),
    "closure": ("ClosureSetPayload",),
    "activity": ("ActivityUpsertPayload",),
    "review_comment": ("QueryAnswerPayload",),
}


def generated(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every entity field's schema as sync/wire.py defines it."""
    schemas = document["components"]["schemas"]
    for name, row in ROWS.items():
        entity = wire.ENTITIES[name]
        for f in (*entity.fields, *entity.row_only):
            schemas[row]["properties"][f.name] = wire.json_schema(f)
    for name, payloads in PAYLOADS.items():
        entity = wire.ENTITIES[name]
        for payload in payloads:
            for f in entity.fields:
                schemas[payload]["properties"][f.name] = wire.json_schema(f)
    return document


@cache
def document() -> dict[str, Any]:
    """The document as served (read once)."""
    return json.loads(SPEC.read_text())


def write() -> None:
    text = json.dumps(generated(json.loads(SPEC.read_text())), indent=2, ensure_ascii=False)
    SPEC.write_text(text + "\n")


if __name__ == "__main__":
    write()
