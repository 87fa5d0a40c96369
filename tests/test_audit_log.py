"""The tamper-evident audit log: hash chains on the server and the laptop, and their check."""

from __future__ import annotations

import threading
import uuid

from click.testing import CliRunner
from sqlalchemy import delete, select, update

from auditkit import audit_log
from auditkit.cli import main
from auditkit.db import make_session_factory
from auditkit.models import AuditChainHead, AuditEvent, AuditStatus, Role
from auditkit.unit_of_work import Actor, ServerWork
from tests.factories import api_headers
from tests.helpers import csrf_from, sign_in


def _three_events(session, chain: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    events = [audit_log.append(session, chain, f"step.{n}", detail={"n": n}) for n in range(3)]
    session.commit()
    return events


def test_an_untouched_chain_verifies(server_session) -> None:  # type: ignore[no-untyped-def]
    events = _three_events(server_session, "audit:x")
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    result = audit_log.verify(server_session)
    assert result.ok and result.chains == 1 and result.events == 3


def test_a_changed_event_is_named_as_the_first_broken_link(server_session) -> None:  # type: ignore[no-untyped-def]
    events = _three_events(server_session, "audit:x")
    server_session.execute(
        update(AuditEvent).where(AuditEvent.id == events[1].id).values(detail={"n": 99})
    )
    server_session.commit()
    [broken] = audit_log.verify(server_session).breaks
    assert str(broken) == f"audit:x: event #2 ({events[1].id}): was changed after it was written"


def test_a_removed_event_and_a_cut_off_end_are_found(server_session) -> None:  # type: ignore[no-untyped-def]
    events = _three_events(server_session, "a")
    _three_events(server_session, "b")
    server_session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    last_b = server_session.scalars(
        select(AuditEvent).where(AuditEvent.chain == "b", AuditEvent.seq == 3)
    ).one()
    server_session.delete(last_b)
    server_session.commit()
    breaks = {b.chain: str(b) for b in audit_log.verify(server_session).breaks}
    assert breaks["a"] == "a: event #2: is missing (the next stored is #3)"
    assert breaks["b"] == "b: event #3: is missing: the chain's head says it ends at #3"


def test_events_appended_at_once_from_two_connections_get_one_seq_each(server_engine) -> None:  # type: ignore[no-untyped-def]
    sessions = make_session_factory(server_engine)
    with sessions.begin() as session:
        audit_log.append(session, "busy", "first")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for k in range(10):
                with sessions.begin() as session:
                    audit_log.append(session, "busy", f"w{n}.{k}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as session:
        seqs = session.scalars(select(AuditEvent.seq).where(AuditEvent.chain == "busy")).all()
        assert sorted(seqs) == list(range(1, 22))
        assert audit_log.verify(session).ok


def test_auditkit_log_verify_exits_non_zero_naming_the_tampered_event(server_session) -> None:  # type: ignore[no-untyped-def]
    events = _three_events(server_session, "audit:y")
    runner = CliRunner()
    ok = runner.invoke(main, ["log", "verify"])
    assert ok.exit_code == 0 and "intact: 1 chains, 3 events" in ok.output
    server_session.execute(
        update(AuditEvent).where(AuditEvent.id == events[2].id).values(action="forged")
    )
    server_session.commit()
    broken = runner.invoke(main, ["log", "verify"])
    assert broken.exit_code == 1
    assert f"audit:y: event #3 ({events[2].id}): was changed" in broken.output


def test_a_review_move_is_logged_with_who_and_from_where(factory, cb_app) -> None:  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(lead=lead, status=AuditStatus.SUBMITTED)
    factory.reviewer(username="rev")
    factory.commit()
    client = cb_app.test_client()
    sign_in(client, "rev")
    token = csrf_from(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    reply = client.post(
        f"/audits/{audit.id}/accept",
        data={"csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert reply.status_code == 302
    with make_session_factory(factory.session.get_bind())() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.chain == audit_log.audit_chain(audit.id))
        ).all()
        assert event.action == "audit.accept" and event.origin == "192.0.2.7"
        assert event.detail == {"from": "submitted", "to": "accepted"}
        assert event.actor_name and event.seq == 1


def test_a_pushed_change_is_logged_with_the_laptops_clock_and_the_servers(
    factory, cb_client
) -> None:  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(lead=lead)
    device, token = factory.device_and_token(lead)
    factory.commit()
    body = {
        "device_id": str(device.id),
        "mutations": [
            {
                "seq": 1,
                "mutation_id": str(uuid.uuid4()),
                "name": "answer.set.v1",
                "audit_id": str(audit.id),
                "entity_id": "iso9001-2015:7.2/1",
                "payload": {"item_key": "iso9001-2015:7.2/1", "verdict": "conforming"},
                "client_time": "2026-11-30T09:15:00+01:00",
            }
        ],
    }
    reply = cb_client.post("/api/sync/v1/push", json=body, headers=api_headers(token))
    assert reply.status_code == 200, reply.get_json()
    with make_session_factory(factory.session.get_bind())() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == audit_log.audit_chain(audit.id))
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.action for e in events] == ["audit.start", "answer.set.v1"]
        change = events[1]
        assert change.device_time is not None and change.device_time.hour == 8  # UTC
        assert change.at > change.device_time and change.origin == f"laptop {device.id}"
        assert change.detail["status"] == "applied"
        assert audit_log.verify(session).ok
        heads = session.scalars(select(AuditChainHead)).all()
        assert {h.chain for h in heads} == {audit_log.audit_chain(audit.id)}


def test_server_work_refuses_a_move_that_is_not_allowed(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(lead=lead, status=AuditStatus.SUBMITTED)
    planner = factory.user(Role.PLANNER)
    work = ServerWork(factory.session, Actor(planner, "test"))
    import pytest

    from auditkit.workflow import MoveRefused

    with pytest.raises(MoveRefused):
        work.move(audit, "accept")
    assert audit.status == AuditStatus.SUBMITTED
