"""Issue 12 item 7: a planned audit's dates, sites and team change with the same checks as
at planning, and the change is logged for the team's laptops."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from auditkit.field_errors import FieldError
from auditkit.models import AuditStatus, SyncChange, TeamRole
from auditkit.planning import schedule
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.planning.replan import change_plan
from auditkit.planning.team import TeamBlocked
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in


def _work(factory) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor.system("pytest"))


def _planned(factory):  # type: ignore[no-untyped-def]
    lead, second = factory.qualified_auditor(), factory.qualified_auditor()
    cert = factory.certification(organisation=factory.organisation(sites=2))
    audit = plan_audit(
        _work(factory),
        cert.organisation,
        PlanInput(
            audit_type="stage1",
            start_date="2027-03-15",
            end_date="2027-03-16",
            certification_ids=[str(cert.id)],
            lead_id=str(lead.id),
        ),
    )
    return audit, lead, second


def _change(audit, lead, **changes) -> PlanInput:  # type: ignore[no-untyped-def]
    values = {
        "start_date": audit.start_date.isoformat(),
        "end_date": audit.end_date.isoformat(),
        "lead_id": str(lead.id),
    }
    return PlanInput(**(values | changes))


def test_new_dates_sites_and_team_are_logged_for_the_laptops(factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, second = _planned(factory)
    sites = [str(s.id) for s in audit.sites]
    schedule.add_item(
        _work(factory),
        audit,
        {
            "day": "2027-03-16",
            "start": "09:00",
            "end": "10:00",
            "site_id": sites[0],
            "auditor_id": str(lead.id),
            "activity": "Leadership",
        },
    )
    changed = change_plan(
        _work(factory),
        audit,
        _change(audit, lead, end_date="2027-03-15", member_ids=[str(second.id)]),
        site_ids=sites[:1],
    )
    assert changed == ["dates", "sites", "team", "schedule"]
    assert audit.end_date == date(2027, 3, 15) and len(audit.sites) == 1
    assert {(m.user_id, m.role) for m in audit.team} == {
        (lead.id, TeamRole.LEAD),
        (second.id, TeamRole.AUDITOR),
    }
    assert audit.schedule == []  # its line was on a day the audit no longer has
    factory.session.flush()
    logged = factory.session.scalars(select(SyncChange).where(SyncChange.audit_id == audit.id))
    assert [c.entity for c in logged] == ["audit"]
    again = change_plan(
        _work(factory),
        audit,
        _change(audit, lead, member_ids=[str(second.id)]),
        site_ids=sites[:1],
    )
    assert again == []


def test_a_change_is_checked_like_a_new_plan(factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, _ = _planned(factory)
    sites = [str(s.id) for s in audit.sites]
    stranger = factory.auditor()
    for plan, site_ids, field in (
        (_change(audit, lead, end_date="2027-03-01"), sites, "end_date"),
        (_change(audit, lead), [], "sites"),
        (_change(audit, lead, lead_id=""), sites, "lead"),
    ):
        with pytest.raises(FieldError) as refused:
            change_plan(_work(factory), audit, plan, site_ids=site_ids)
        assert refused.value.field == field
    with pytest.raises(TeamBlocked):
        change_plan(_work(factory), audit, _change(audit, stranger), site_ids=sites)
    audit.status = AuditStatus.IN_PROGRESS
    with pytest.raises(FieldError, match="has started"):
        change_plan(_work(factory), audit, _change(audit, lead), site_ids=sites)


def test_a_planner_changes_the_plan_in_the_ui(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    audit, lead, second = _planned(factory)
    planner = factory.planner()
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    url = f"/audits/{audit.id}/replan"
    form = client.get(url).get_data(as_text=True)
    csrf = csrf_from(form)
    data = {
        "csrf_token": csrf,
        "start_date": "2027-03-22",
        "end_date": "2027-03-21",
        "lead_id": str(lead.id),
        "site_ids": [str(s.id) for s in audit.sites],
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 422 and 'value="2027-03-22"' in refused.get_data(as_text=True)
    saved = client.post(url, data=data | {"end_date": "2027-03-23"})
    assert saved.status_code == 302
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "2027-03-22" in page and "2027-03-23" in page
