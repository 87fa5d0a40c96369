"""Issue 12 items 5 and 8: the audit plan per day, site and auditor, and the printable plan
the client receives (team, dates, sites, schedule, the right to object)."""

from __future__ import annotations

from datetime import date

import pytest

from auditkit.models import AuditStatus
from auditkit.planning import schedule
from auditkit.planning.schedule import ScheduleError
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in


def _work(factory) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor.system("pytest"))


def _audit(factory):  # type: ignore[no-untyped-def]
    lead, second = factory.auditor(), factory.auditor()
    audit = factory.audit(lead=lead, members=[second], start=date(2027, 3, 15))
    audit.end_date = date(2027, 3, 16)
    return audit, lead, second


def _item(audit, auditor, **changes):  # type: ignore[no-untyped-def]
    values = {
        "day": "2027-03-15",
        "start": "09:00",
        "end": "10:30",
        "site_id": str(audit.sites[0].id),
        "auditor_id": str(auditor.id),
        "activity": "Opening meeting; context and leadership (4, 5)",
    }
    return values | changes


def test_the_schedule_is_kept_in_time_order_and_refuses_clashes(factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, second = _audit(factory)
    schedule.add_item(_work(factory), audit, _item(audit, lead, start="11:00", end="12:00"))
    schedule.add_item(_work(factory), audit, _item(audit, lead))
    schedule.add_item(
        _work(factory), audit, _item(audit, second, site_id="", remote="1", activity="Records")
    )
    rows = schedule.rows(audit)
    assert [(r["start"], r["auditor"]) for r in rows] == [
        ("09:00", lead.full_name),
        ("09:00", second.full_name),
        ("11:00", lead.full_name),
    ]
    assert rows[1]["site"] == "remote" and rows[1]["remote"] is True
    with pytest.raises(ScheduleError, match="already busy from 09:00 to 10:30"):
        schedule.add_item(_work(factory), audit, _item(audit, lead, start="10:00", end="11:00"))
    schedule.remove_item(_work(factory), audit, rows[2]["id"])
    assert len(audit.schedule) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day": "2027-03-17"}, "day"),
        ({"start": "9h"}, "start"),
        ({"end": "08:00"}, "end"),
        ({"site_id": ""}, "site_id"),
        ({"auditor_id": ""}, "auditor_id"),
        ({"activity": " "}, "activity"),
    ],
)
def test_a_wrong_schedule_line_names_its_field(factory, changes, field) -> None:  # type: ignore[no-untyped-def]
    audit, lead, _ = _audit(factory)
    with pytest.raises(ScheduleError) as refused:
        schedule.add_item(_work(factory), audit, _item(audit, lead, **changes))
    assert refused.value.field == field and audit.schedule == []


def test_only_a_planned_audit_s_schedule_changes(factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, _ = _audit(factory)
    audit.status = AuditStatus.IN_PROGRESS
    with pytest.raises(ScheduleError, match="planned audit"):
        schedule.add_item(_work(factory), audit, _item(audit, lead))


def test_a_planner_adds_lines_and_prints_the_plan_for_the_client(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, _ = _audit(factory)
    planner = factory.planner()
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    csrf = csrf_from(page)
    refused = client.post(
        f"/audits/{audit.id}/schedule", data=_item(audit, lead, end="07:00") | {"csrf_token": csrf}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="schedule_end-error"' in text
    assert "Opening meeting; context and leadership" in text  # what was typed stays
    saved = client.post(
        f"/audits/{audit.id}/schedule", data=_item(audit, lead) | {"csrf_token": csrf}
    )
    assert saved.status_code == 302
    printed = client.get(f"/audits/{audit.id}/plan").get_data(as_text=True)
    assert 'id="audit-plan"' in printed and "You may object" in printed
    assert "09:00–10:30" in printed and lead.full_name in printed
    assert audit.organisation.legal_name in printed
