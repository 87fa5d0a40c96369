"""A pushed change that breaks a database rule is refused for good, never a retryable 503.

Issue 11 item 2: one poison change rolled back its whole batch and the server answered 503
on every retry, so nothing after it was ever sent. Each rule a push can reach is covered
here: unique keys (renumbered, merged or refused), primary keys of another audit's rows,
column sizes and characters PostgreSQL refuses, and, behind them all, any database error
of a change's content (a recorded refusal with code database_rule). Every test pushes the
bad change first and a good one after it, over HTTP to the live server, and checks that the
good one was applied in the same answer.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import (
    AppliedMutation,
    AuditClosure,
    Finding,
    FindingClause,
    Interviewee,
    Meeting,
    Response,
)
from auditkit.models.findings import finding_interviewees, response_interviewees
from sync import protocol
from sync.client.apply_pull import PullApplier
from sync.client.credentials import Credentials
from sync.client.http import Api
from sync.engine import apply as engine_apply

ITEM = "iso9001-2015:7.2/1"
GOOD_ITEM = "iso9001-2015:7.3/1"


class Pusher:
    """Raw pushes from one linked laptop: its device, its next seq numbers."""

    def __init__(self, laptop) -> None:  # type: ignore[no-untyped-def]
        self.api = Api(Credentials.load(laptop.data_dir), laptop.data_dir, attempts=1)
        self.seq = 0

    def mutation(
        self, name: str, payload: dict[str, Any], entity_id: str = "", base: int | None = None
    ) -> dict[str, Any]:
        self.seq += 1
        return {
            "seq": self.seq,
            "mutation_id": str(uuid.uuid4()),
            "name": name,
            "audit_id": str(AUDIT_ID),
            "entity_id": entity_id,
            "base_version": base,
            "payload": payload,
        }

    def good(self, notes: str = "still arrives") -> dict[str, Any]:
        return self.mutation("answer.set.v1", {"item_key": GOOD_ITEM, "notes": notes}, GOOD_ITEM)

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        body = {"device_id": self.api.credentials.device_id, "mutations": list(mutations)}
        response = self.api.call("POST", "/push", json=body)
        assert response.status_code == 200, response.text
        return response.json()["results"]


@pytest.fixture
def anna(laptops) -> Pusher:  # type: ignore[no-untyped-def]
    return Pusher(laptops("anna").login("auditor1"))


def _session(server_engine):  # type: ignore[no-untyped-def]
    return make_session_factory(server_engine)()


def _good_arrived(server_engine, notes: str = "still arrives") -> None:  # type: ignore[no-untyped-def]
    with _session(server_engine) as session:
        row = session.scalars(select(Response).where(Response.item_key == GOOD_ITEM)).one()
        assert row.notes == notes


def _finding(local_number: int, **extra: Any) -> dict[str, Any]:
    return {"local_number": local_number, "grade": "minor", "statement": "s", **extra}


# ---- findings: (audit, author, draft number) -------------------------------------------


def test_two_laptops_of_one_auditor_with_the_same_draft_number_both_arrive(
    laptops, server_engine
) -> None:  # type: ignore[no-untyped-def]
    """The demo's case: the second laptop's P1 is renumbered, not refused and not a 503."""
    first = laptops("anna-desk").login("auditor1")
    second = laptops("anna-field").login("auditor1")
    assert first.sync().ok and second.sync().ok
    for laptop, text in ((first, "desk"), (second, "field 1"), (second, "field 2")):
        _raise_finding(laptop, text)
    assert first.sync().ok
    summary = second.sync()
    assert summary.ok and summary.rejected == 0 and second.pending() == 0, summary.rejections
    assert first.sync().ok

    with _session(server_engine) as session:
        on_server = dict(session.execute(select(Finding.statement, Finding.local_number)).all())
    assert on_server == {"desk": 1, "field 1": 2, "field 2": 3}
    for laptop in (first, second):  # both laptops hold all three, numbered as the server
        with laptop.session() as session:
            here = dict(session.execute(select(Finding.statement, Finding.local_number)).all())
        assert here == on_server


def test_a_pulled_finding_moves_an_unsent_one_off_its_draft_number(laptops) -> None:  # type: ignore[no-untyped-def]
    laptop = laptops("anna").login("auditor1")
    assert laptop.sync().ok
    _raise_finding(laptop, "not sent yet")
    with laptop.session() as session:
        mine = session.scalars(select(Finding)).one()
        row = {
            "id": str(uuid.uuid4()),
            "local_number": mine.local_number,
            "created_by_id": str(mine.created_by_id),
        }
        PullApplier(session).finding(AUDIT_ID, row["id"], _pulled_finding_row(mine, row))
        session.commit()
        numbers = {f.statement: f.local_number for f in session.scalars(select(Finding))}
    assert numbers == {"from my other laptop": 1, "not sent yet": 2}


def _raise_finding(laptop, statement: str) -> None:  # type: ignore[no-untyped-def]
    made = laptop.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.2",
            "objective_evidence": "Seen on site",
            "statement": statement,
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)


def _pulled_finding_row(mine: Finding, row: dict[str, Any]) -> dict[str, Any]:
    from sync import wire

    data = wire.row(wire.FINDING, mine)
    return {**data, **row, "statement": "from my other laptop", "deleted": False}


# ---- unique keys a batch can meet twice -------------------------------------------------


def test_the_same_clause_twice_in_a_finding_is_kept_once(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    finding_id = str(uuid.uuid4())
    refs = [["iso9001-2015", "7.2"], ["iso9001-2015", "7.2", "a)"]]
    results = anna.push(
        anna.mutation("finding.create.v1", _finding(1, clause_refs=refs), finding_id),
        anna.good(),
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    with _session(server_engine) as session:
        assert session.scalar(select(func.count()).select_from(FindingClause)) == 1
    _good_arrived(server_engine)


def test_an_entry_linked_twice_is_linked_once(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    person = str(uuid.uuid4())
    finding_id = str(uuid.uuid4())
    results = anna.push(
        anna.mutation("interviewee.upsert.v1", {"name": "Eva"}, person),
        anna.mutation(
            "answer.set.v1", {"item_key": ITEM, "interviewee_ids": [person, person]}, ITEM
        ),
        anna.mutation(
            "finding.create.v1",
            _finding(1, interviewee_ids=[person, person], item_keys=[ITEM, ITEM]),
            finding_id,
        ),
        anna.good(),
    )
    assert [r["status"] for r in results] == ["applied"] * 4, results
    with _session(server_engine) as session:
        for table in (response_interviewees, finding_interviewees):
            assert session.scalar(select(func.count()).select_from(table)) == 1
        finding = session.get(Finding, uuid.UUID(finding_id))
        assert [r.item_key for r in finding.responses] == [ITEM]


def test_a_new_answer_meeting_and_closure_twice_in_one_batch_make_one_row_each(
    anna, server_engine
) -> None:  # type: ignore[no-untyped-def]
    results = anna.push(
        anna.mutation("answer.set.v1", {"item_key": ITEM, "notes": "one"}, ITEM),
        anna.mutation("answer.set.v1", {"item_key": ITEM, "justification": "two"}, ITEM),
        anna.mutation("meeting.set.v1", {"kind": "opening", "notes": "one"}, "opening"),
        anna.mutation(
            "meeting.set.v1", {"kind": "opening", "attendees": [{"name": "Eva"}]}, "opening"
        ),
        anna.mutation("closure.set.v1", {"conclusion": "one"}, str(AUDIT_ID)),
        anna.mutation("closure.set.v1", {"marks_use": "two"}, str(AUDIT_ID)),
        anna.good(),
    )
    assert all(r["status"] == "applied" for r in results), [
        (r["status"], r.get("message")) for r in results
    ]
    with _session(server_engine) as session:
        answer = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
        assert (answer.notes, answer.justification) == ("one", "two")
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.notes, meeting.attendees) == ("one", [{"name": "Eva", "role": ""}])
        closure = session.scalars(select(AuditClosure)).one()
        assert (closure.conclusion, closure.marks_use) == ("one", "two")


# ---- primary keys: an id that another audit's row (or another row) holds ----------------


def test_ids_already_taken_are_refused_each_with_a_reason(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    finding_id, photo_id, person = (str(uuid.uuid4()) for _ in range(3))
    photo = {"sha256": "b" * 64, "size": 10, "width": 4, "height": 3, "item_key": ITEM}
    first = anna.push(
        anna.mutation("finding.create.v1", _finding(1), finding_id),
        anna.mutation("photo.add.v1", photo, photo_id),
        anna.mutation("interviewee.upsert.v1", {"name": "Eva"}, person),
    )
    assert [r["status"] for r in first] == ["applied"] * 3, first
    results = anna.push(
        anna.mutation("finding.create.v1", _finding(2), finding_id),
        anna.mutation("photo.add.v1", photo, photo_id),
        anna.good(),
    )
    assert [(r["status"], r.get("code")) for r in results[:2]] == [
        ("rejected", protocol.INVALID),
        ("rejected", protocol.INVALID),
    ], results
    assert "exists already" in results[0]["message"] and results[2]["status"] == "applied"
    _good_arrived(server_engine)


def test_an_entry_of_another_audit_is_refused(anna, laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    """An interviewee id that belongs to another audit is refused, not stolen or a 503."""
    from tests import factories

    with make_session_factory(server_engine).begin() as session:
        other = factories.audit(session)
        theirs = Interviewee(
            id=uuid.uuid4(), audit_id=other.id, name="Someone", version=1, field_versions={}
        )
        session.add(theirs)
        theirs_id = str(theirs.id)
    results = anna.push(
        anna.mutation("interviewee.upsert.v1", {"name": "Mine now"}, theirs_id),
        anna.mutation("answer.set.v1", {"item_key": ITEM, "interviewee_ids": [theirs_id]}, ITEM),
        anna.good(),
    )
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", protocol.INVALID),
        ("rejected", protocol.INVALID),
        ("applied", None),
    ], results
    with _session(server_engine) as session:
        assert session.get(Interviewee, uuid.UUID(theirs_id)).name == "Someone"


# ---- sizes and characters the database refuses -----------------------------------------


def test_values_longer_than_their_column_are_refused(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    long_number = [["iso9001-2015", "7." + "1" * 45]]
    results = anna.push(
        anna.mutation("finding.create.v1", _finding(1, clause_refs=long_number), str(uuid.uuid4())),
        anna.mutation("finding.create.v1", _finding(2, extent="x" * 201), str(uuid.uuid4())),
        anna.mutation("interviewee.upsert.v1", {"name": "n" * 201}, str(uuid.uuid4())),
        anna.mutation("answer.set.v1", {"item_key": ITEM, "documents": ["d"] * 501}, ITEM),
        anna.good(),
    )
    assert [(r["status"], r.get("code")) for r in results] == [
        *[("rejected", protocol.INVALID)] * 4,
        ("applied", None),
    ], results


def test_a_nul_character_or_an_overlong_name_is_refused_and_recorded(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL stores no NUL in text or JSON: the change is recorded without its payload."""
    results = anna.push(
        anna.mutation("answer.set.v1", {"item_key": ITEM, "notes": "a\x00b"}, ITEM),
        anna.mutation("answer.set.v1", {"item_key": ITEM, "notes\x00": "x"}, ITEM),
        anna.mutation("answer.set.v1", {"item_key": ITEM}, "iso9001\x00"),
        anna.mutation("x" * 300, {}, ITEM),
        anna.good(),
    )
    assert [(r["status"], r.get("code")) for r in results] == [
        *[("rejected", protocol.INVALID)] * 4,
        ("applied", None),
    ], results
    assert "NUL" in results[0]["message"] and "longer than 80" in results[3]["message"]
    with _session(server_engine) as session:
        refused = session.scalars(
            select(AppliedMutation).where(AppliedMutation.status == "rejected")
        ).all()
        assert len(refused) == 4 and all(r.payload == {} for r in refused)


# ---- behind them all: any rule of the database ------------------------------------------


def test_a_change_breaking_any_database_rule_is_refused_for_good(
    anna, server_engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A handler whose write breaks a real unique key (a second closing record for the
    audit): the change is refused with database_rule, the next one applied, the answer 200,
    and a retry of the batch gives the same results (duplicates), never a 503."""
    real = engine_apply.HANDLERS["closure.set.v1"]

    def second_closure(ctx, m):  # type: ignore[no-untyped-def]
        real(ctx, m)
        ctx.session.add(AuditClosure(audit_id=ctx.audit.id, version=1, field_versions={}))
        ctx.session.flush()
        return {}

    monkeypatch.setitem(engine_apply.HANDLERS, "closure.set.v1", second_closure)
    poison = anna.mutation("closure.set.v1", {"conclusion": "x"}, str(AUDIT_ID))
    good = anna.good()
    results = anna.push(poison, good)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", protocol.DATABASE_RULE),
        ("applied", None),
    ], results
    again = anna.push(poison, good)
    assert [(r["status"], r["original_status"]) for r in again] == [
        ("duplicate", "rejected"),
        ("duplicate", "applied"),
    ]
    with _session(server_engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditClosure)) == 0
    _good_arrived(server_engine)


def test_a_finding_on_a_site_of_another_audit_is_refused(anna, server_engine) -> None:  # type: ignore[no-untyped-def]
    from tests import factories

    with make_session_factory(server_engine).begin() as session:
        other = factories.audit(session)
        site_id = str(factories.site(session, other.organisation).id)
    results = anna.push(
        anna.mutation("finding.create.v1", _finding(1, site_id=site_id), str(uuid.uuid4())),
        anna.mutation(
            "finding.create.v1", _finding(2, site_id=str(uuid.uuid4())), str(uuid.uuid4())
        ),
        anna.good(),
    )
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", protocol.INVALID),
        ("rejected", protocol.INVALID),
        ("applied", None),
    ], results
