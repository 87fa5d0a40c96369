"""A laptop one schema behind keeps working: its pushes are upcast, its pulls cast down; and a
signature made with an older content digest still verifies."""

from __future__ import annotations

import uuid

from sqlalchemy import select

import sync.client.http
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, INTEGRATED_AUDIT_ID
from auditkit.models import AuditClosure, Finding, OutboxEntry
from sync import protocol, schema
from sync.client.credentials import Credentials
from sync.client.http import Api

ONE_BEHIND = {protocol.PROTOCOL_HEADER: "1", protocol.SCHEMA_HEADER: "1"}


def test_a_schema_1_laptop_pulls_rows_it_can_read_and_pushes_old_values(  # type: ignore[no-untyped-def]
    laptops, server_engine, monkeypatch
) -> None:
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    assert (
        anna.form(
            "/time/",
            {"day": "2026-12-14", "mode": "off_site", "hours": "1", "activity": "Planning"},
        ).status_code
        == 302
    )
    created = anna.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|9.2.2",
            "clause_detail": "c)",
            "requirement": "Results reported.",
            "objective_evidence": "Report IA-3 not sent.",
            "statement": "Not reported.",
        },
    )
    assert created.status_code == 302
    assert anna.sync().ok

    bram = laptops("bram").login("auditor2")
    monkeypatch.setattr(sync.client.http, "version_headers", lambda: dict(ONE_BEHIND))
    api = Api(Credentials.load(bram.data_dir), bram.data_dir)
    body = api.json("POST", "/pull", {"cursor": 0, "known_audits": [], "known_checklists": []})
    assert "activity" not in {c["entity"] for c in body["changes"]}
    [finding] = [c for c in body["changes"] if c["entity"] == "finding"]
    assert finding["data"]["clause_refs"] == [["iso9001-2015", "9.2.2"]]

    assert bram.sync().ok  # it applies what it can read
    with bram.session() as session:  # what an old laptop queued: the stage 2 vocabulary
        session.add(
            OutboxEntry(
                name="closure.set.v1",
                audit_id=INTEGRATED_AUDIT_ID,
                entity_id=str(uuid.uuid4()),
                base_version=None,
                payload={"recommendation": "certify", "conclusion": "Sent by an old laptop."},
            )
        )
        session.commit()
    summary = bram.sync()
    assert summary.ok and summary.rejected == 0, summary.rejections
    with make_session_factory(server_engine)() as session:
        closure = session.scalars(
            select(AuditClosure).where(AuditClosure.audit_id == INTEGRATED_AUDIT_ID)
        ).one()
        assert closure.recommendation.value == "maintain"
        stored = session.scalars(select(Finding).where(Finding.audit_id == AUDIT_ID)).one()
        assert stored.clauses[0].detail == "c)"  # the old laptop's pull left it untouched


def test_upcasting_moves_values_by_audit_type_and_vca_grades() -> None:
    assert schema.upcast(
        "closure.set.v1", {"recommendation": "certify"}, 1, audit_type="stage1", vca_only=False
    ) == {"recommendation": "ready_for_stage2"}
    assert schema.upcast(
        "finding.create.v1", {"grade": "major"}, 1, audit_type="stage2", vca_only=True
    ) == {"grade": "deviation"}
    current = {"recommendation": "certify"}
    assert (
        schema.upcast("closure.set.v1", current, 2, audit_type="surveillance", vca_only=False)
        is current
    )


def test_downcasting_maps_new_values_and_drops_unknown_rows() -> None:
    finding = {"entity": "finding", "data": {"grade": "concern", "clause_refs": [["a", "1", "b)"]]}}
    down = schema.downcast_change(finding, 1)
    assert down is not None and down["data"] == {
        "grade": "observation",
        "clause_refs": [["a", "1"]],
    }
    closure = {"entity": "closure", "data": {"recommendation": "maintain_after_closure"}}
    assert schema.downcast_change(closure, 1)["data"]["recommendation"] == "certify_after_closure"
    assert schema.downcast_change({"entity": "activity", "data": {}}, 1) is None
