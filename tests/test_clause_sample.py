"""Issue 12 item 5: the clauses an audit covers. A surveillance covers the clauses every
surveillance must, and shares the others out so that the cycle covers them all."""

from __future__ import annotations

from datetime import date

from auditkit.models import AuditType
from auditkit.planning import find_checklist
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.planning.clause_sample import clause_sample
from auditkit.unit_of_work import Actor, ServerWork

QMS = "iso9001-2015"
# Written out from ISO 9001:2015's clause outline (DOMAIN.md 3.2): what every surveillance
# covers (objectives, changes, internal audit, management review, NCs, improvement).
EVERY_TIME = {"6.2", "6.3", "9.2", "9.3.1", "9.3.2", "9.3.3", "10.2", "10.3"}


def _numbers(keys: list[str]) -> set[str]:
    return {k.split(":", 1)[1] for k in keys}


def test_initial_audits_cover_everything() -> None:
    qms = find_checklist(QMS)
    for kind in (AuditType.STAGE1, AuditType.STAGE2, AuditType.RECERTIFICATION):
        assert clause_sample([qms], kind)["whole"] is True


def test_two_surveillances_cover_every_clause_once_beside_the_mandatory_ones() -> None:
    qms = find_checklist(QMS)
    first = clause_sample([qms], AuditType.SURVEILLANCE, surveillances_left=2)
    one = _numbers(first["keys"])
    assert EVERY_TIME <= one
    second = clause_sample(
        [qms], AuditType.SURVEILLANCE, covered_before=first["keys"], surveillances_left=1
    )
    two = _numbers(second["keys"])
    assert EVERY_TIME <= two
    assert (one - EVERY_TIME).isdisjoint(two - EVERY_TIME)
    # Between them every auditable clause is covered, itself or through a clause above it.
    both = one | two
    for clause in qms.iter_clauses():
        if clause.auditable:
            parts = clause.number.split(".")
            above = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
            assert above & both, clause.number
    assert {"4.1", "7.2", "9.1.2"} <= both
    assert "surveillance(s) left" in first["working"][0]


def test_a_planned_surveillance_keeps_its_sample_and_the_next_takes_the_rest(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification()
    factory.certification_cycle(cert, start=date(2026, 4, 1))
    work = ServerWork(factory.session, Actor.system("pytest"))

    def plan(start: str, end: str):  # type: ignore[no-untyped-def]
        return plan_audit(
            work,
            cert.organisation,
            PlanInput(
                audit_type="surveillance",
                start_date=start,
                end_date=end,
                certification_ids=[str(cert.id)],
                lead_id=str(lead.id),
            ),
        )

    first = plan("2027-03-01", "2027-03-02")
    second = plan("2028-03-01", "2028-03-02")
    one = _numbers(first.plan_working["clauses"]["keys"])
    two = _numbers(second.plan_working["clauses"]["keys"])
    assert (one - EVERY_TIME).isdisjoint(two - EVERY_TIME) and two - EVERY_TIME
