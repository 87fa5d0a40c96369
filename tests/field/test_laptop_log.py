"""The laptop's own chain of audit events, checked by `auditkit log verify --field`."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, update

from auditkit.cli import main
from auditkit.db import make_session_factory
from auditkit.models import AuditEvent


def test_the_laptop_keeps_a_chain_of_its_own_and_checks_it(laptop, isolated_env) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx("/items/iso9001-2015:7.2/1", {"verdict": "conforming"})
    laptop.htmx("/items/iso9001-2015:7.2/2", {"verdict": "conforming"})
    with make_session_factory(laptop.engine)() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        chains = {e.chain for e in events}
        assert len(events) == 2 and len(chains) == 1 and chains.pop().startswith("device:")
        assert events[0].action == "answer.set.v1" and events[0].entity_id.endswith("7.2/1")
    runner = CliRunner()
    assert runner.invoke(main, ["log", "verify", "--field"]).exit_code == 0
    with laptop.engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(entity_id="x"))
    result = runner.invoke(main, ["log", "verify", "--field"])
    assert result.exit_code == 1 and "event #1" in result.output
