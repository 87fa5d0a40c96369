"""The wire format is spelled once: sync/wire.py; rows, payloads and the OpenAPI document
follow it."""

from __future__ import annotations

import copy
import json

from sync import spec, wire


def test_the_openapi_document_describes_each_entity_as_the_wire_defines_it() -> None:
    on_disk = json.loads(spec.SPEC.read_text())
    assert spec.generated(copy.deepcopy(on_disk)) == on_disk, (
        "sync/openapi.json differs from sync/wire.py: run `python -m sync.spec`"
    )


def test_every_row_schema_lists_exactly_the_wire_fields_and_its_extras() -> None:
    schemas = spec.document()["components"]["schemas"]
    extras = {
        "finding": {"deleted"},
        "photo": {"deleted", "item_key"},
        "review_comment": {"author"},
    }
    for name, row in spec.ROWS.items():
        entity = wire.ENTITIES[name]
        names = {f.name for f in (*entity.fields, *entity.row_only)} | extras.get(name, set())
        assert set(schemas[row]["properties"]) == names, row


def test_a_value_of_the_wrong_kind_is_refused_with_its_name() -> None:
    hours = wire.ACTIVITY.field("hours")
    for bad in ("1e400", "NaN", "lots", 10**30):
        try:
            wire.check(hours, bad)
        except wire.WireError as exc:
            assert "hours" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert wire.check(wire.FINDING.field("extent"), "2 of 5") == "2 of 5"
    too_long = "x" * 201
    try:
        wire.check(wire.FINDING.field("process"), too_long)
    except wire.WireError as exc:
        assert "at most 200" in str(exc)


def test_the_engine_and_the_package_import_without_flask() -> None:
    """`auditkit import` and the CLI use the sync engine outside any app."""
    import subprocess
    import sys

    code = (
        "import sys, sync.package, sync.engine.push, sync.engine.pull, sync.client.run; "
        "print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
