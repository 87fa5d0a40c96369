"""Issue 12 item 3: the programme. Each certification keeps its next audit; the CB-wide
programme lists what is overdue, at risk or unplanned; a certificate taken over from
another CB continues on that CB's cycle (IAF MD 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from auditkit.certifications import CertificationError
from auditkit.certifications.overview import programme_rows, refresh_next_due
from auditkit.certifications.programme_list import flag, programme_query
from auditkit.certifications.transfer import record_transfer
from auditkit.models import AuditStatus, AuditType, Role
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in

TODAY = date(2026, 12, 3)


def _work(factory) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor.system("pytest"))


def _listed(factory, show: str) -> list:  # type: ignore[no-untyped-def]
    return list(factory.session.scalars(programme_query(show, TODAY)))


def test_the_next_audit_follows_the_cycle_and_what_is_planned(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification()
    refresh_next_due(cert, TODAY)
    assert (cert.next_audit, cert.next_due_by, cert.next_planned) == ("stage1", None, False)
    factory.certification_cycle(cert, start=date(2025, 10, 1))
    refresh_next_due(cert, TODAY)
    # Surveillance 1 within 12 months of the decision of 2025-10-01: overdue on 2026-12-03.
    assert (cert.next_audit, cert.next_due_by) == ("surveillance1", date(2026, 10, 1))
    assert flag(cert, TODAY) == "overdue"
    lead = factory.qualified_auditor()
    plan_audit(
        _work(factory),
        cert.organisation,
        PlanInput(
            audit_type="surveillance",
            start_date="2026-12-14",
            end_date="2026-12-15",
            certification_ids=[str(cert.id)],
            lead_id=str(lead.id),
        ),
    )
    assert cert.next_audit == "surveillance1" and cert.next_planned is True


def test_the_programme_lists_overdue_and_at_risk_soonest_first(factory) -> None:  # type: ignore[no-untyped-def]
    overdue, at_risk, fine, new = (factory.certification() for _ in range(4))
    factory.certification_cycle(overdue, start=date(2025, 10, 1))  # S1 due 2026-10-01
    factory.certification_cycle(at_risk, start=date(2025, 12, 20))  # S1 due 2026-12-20
    factory.certification_cycle(fine, start=date(2026, 6, 1))  # S1 due 2027-06-01
    for cert in (overdue, at_risk, fine, new):
        refresh_next_due(cert, TODAY)
    assert _listed(factory, "attention") == [overdue, at_risk]
    assert _listed(factory, "overdue") == [overdue]
    assert _listed(factory, "at_risk") == [at_risk]
    assert _listed(factory, "all") == [overdue, at_risk, fine, new]  # no due date last
    assert flag(fine, TODAY) == "open" and flag(new, TODAY) == "to_plan"
    overdue.organisation.archived_at = overdue.created_at  # archived clients drop out
    factory.session.flush()
    assert _listed(factory, "overdue") == []


def test_a_held_surveillance_moves_the_next_audit_on(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification()
    factory.certification_cycle(cert, start=date(2025, 10, 1))
    held = factory.audit(
        organisation=cert.organisation,
        audit_type=AuditType.SURVEILLANCE,
        status=AuditStatus.SUBMITTED,
        start=date(2026, 9, 1),
    )
    cert.audits.append(held)
    refresh_next_due(cert, TODAY)
    assert (cert.next_audit, cert.next_due_by) == ("surveillance2", date(2027, 12, 31))


def _transfer_values(**changes: str) -> dict[str, str]:
    values = {
        "from_cb": "Other Cert B.V.",
        "certificate_number": "OC-1234",
        "cycle_start": "2025-03-01",
        "expiry": "2028-02-29",
        "accredited": "1",
        "review": "Last report read; no open major nonconformity.",
    }
    return values | changes


def test_a_transfer_continues_on_the_issuing_cb_s_cycle(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification()
    cycle = record_transfer(_work(factory), cert, _transfer_values(), ["surveillance1"], TODAY)
    assert (cycle.start_date, cycle.expiry_date, cycle.origin) == (
        date(2025, 3, 1),
        date(2028, 2, 29),
        "transfer",
    )
    rows, flags = programme_rows(cert, TODAY)
    assert [(r.key, r.flag) for r in rows][0] == ("surveillance1", "done")
    assert cert.next_audit == "surveillance2" and cert.transfer["from_cb"] == "Other Cert B.V."
    # Our first surveillance serves the cycle's second.
    later = factory.audit(
        organisation=cert.organisation,
        audit_type=AuditType.SURVEILLANCE,
        status=AuditStatus.PLANNED,
        start=date(2027, 2, 1),
    )
    cert.audits.append(later)
    rows, _ = programme_rows(cert, TODAY)
    assert rows[1].key == "surveillance2" and rows[1].audits == [later]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"accredited": ""}, "accredited"),
        ({"suspended": "1"}, "suspended"),
        ({"from_cb": ""}, "from_cb"),
        ({"expiry": "2026-11-30"}, "expiry"),  # expired: nothing left to continue
        ({"cycle_start": "1.3.2025"}, "cycle_start"),
    ],
)
def test_a_transfer_that_md2_does_not_allow_is_refused(factory, changes, field) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification()
    with pytest.raises(CertificationError) as refused:
        record_transfer(_work(factory), cert, _transfer_values(**changes), [], TODAY)
    assert refused.value.field == field and cert.cycles == []


def test_the_programme_page_and_the_transfer_form(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    planner = factory.user(Role.PLANNER)
    cert = factory.certification()
    late = factory.certification()
    factory.certification_cycle(late, start=date.today() - timedelta(days=400))
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    page = client.get("/programme").get_data(as_text=True)
    assert late.organisation.name in page and "overdue" in page
    assert cert.organisation.name not in page
    assert cert.organisation.name in client.get("/programme?show=all").get_data(as_text=True)
    csrf = csrf_from(page)
    url = f"/certifications/{cert.id}/transfer"
    refused = client.post(url, data=_transfer_values(accredited="") | {"csrf_token": csrf})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="transfer_accredited-error"' in text
    assert 'value="OC-1234"' in text
    future = date.today() + timedelta(days=500)
    saved = client.post(
        url,
        data=_transfer_values(
            cycle_start=(future - timedelta(days=3 * 365)).isoformat(),
            expiry=future.isoformat(),
        )
        | {"csrf_token": csrf},
    )
    assert saved.status_code == 302
    shown = client.get(f"/certifications/{cert.id}").get_data(as_text=True)
    assert "taken over from Other Cert B.V." in shown
