"""Issue 12 item 5: a planner plans an audit for a client's certifications: type, dates,
sites (a sample where MD 1 applies), team and the audit time from the tables; impossible
plans are refused with the field to fix; the lead's laptop gets the audit at its next sync."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from auditkit.field_errors import FieldError
from auditkit.models import Audit, AuditEvent, AuditType, Role, TeamRole
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.unit_of_work import Actor, ServerWork
from tests.factories import api_headers
from tests.helpers import csrf_from, sign_in


def _work(factory) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor.system("pytest"))


def _plan(certifications, lead, **changes) -> PlanInput:  # type: ignore[no-untyped-def]
    values = {
        "audit_type": "stage1",
        "start_date": "2027-03-15",
        "end_date": "2027-03-16",
        "certification_ids": [str(c.id) for c in certifications],
        "lead_id": str(lead.id),
    }
    return PlanInput(**(values | changes))


def test_a_stage_1_takes_its_share_of_the_table_time_and_pins_the_checklist(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification(personnel=40)
    audit = plan_audit(_work(factory), cert.organisation, _plan([cert], lead))
    # QMS, 40 effective personnel: 4 days initial; stage 1 is 30% = 1.2 -> 1.0 (half days).
    assert audit.planned_days == Decimal("1.0")
    assert audit.number == "A2027-0001" and audit.audit_type == AuditType.STAGE1
    assert [c.checklist_id for c in audit.checklists] == ["iso9001-2015"]
    assert audit.certifications == [cert] and audit.lead.user is lead
    assert any("band 26–45" in step for step in audit.plan_working["audit_time"])
    event = factory.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.plan"))
    assert event.one().audit_id == audit.id
    second = plan_audit(
        _work(factory),
        cert.organisation,
        _plan([cert], lead, audit_type="stage2", end_date="2027-03-17"),
    )
    # stage 2: the rest of the initial 4 days.
    assert second.planned_days == Decimal("3.0") and second.number == "A2027-0002"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_date": "2027-03-14"}, "end_date", "on or after the first day"),
        ({"start_date": "15-03-2027"}, "start_date", "YYYY-MM-DD"),
        ({"audit_type": "stage2"}, "audit_type", "no stage 1 yet"),
        ({"audit_type": "surveillance"}, "audit_type", "not certified yet"),
        ({"audit_type": "holiday"}, "audit_type", "Choose the type"),
        ({"certification_ids": []}, "certifications", "Choose the certification"),
        ({"lead_id": ""}, "lead", "Name the lead auditor"),
        ({"planned_days": "-2"}, "planned_days", "positive number of days"),
        ({"planned_days": "1.25"}, "planned_days", "half days"),
        ({"planned_days": "lots"}, "planned_days", "as a number"),
        ({"planned_days": "5"}, "planned_days", "do not fit in 2 day(s) with 1 auditor(s)"),
    ],
)
def test_an_impossible_plan_is_refused_with_the_field_to_fix(factory, changes, field, words):  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification()
    with pytest.raises(FieldError) as refused:
        plan_audit(_work(factory), cert.organisation, _plan([cert], lead, **changes))
    assert refused.value.field == field and words in refused.value.message
    assert factory.session.scalars(select(Audit)).all() == []


def test_the_team_is_of_active_auditors_each_once(factory) -> None:  # type: ignore[no-untyped-def]
    lead, planner = factory.qualified_auditor(), factory.planner()
    gone = factory.qualified_auditor(active=False)
    cert = factory.certification()
    org = cert.organisation
    for changes, field in (
        ({"lead_id": str(planner.id)}, "lead"),
        ({"member_ids": [str(gone.id)]}, "members"),
        ({"member_ids": [str(lead.id)]}, "members"),
        ({"lead_id": "not-an-id"}, "lead"),
    ):
        with pytest.raises(FieldError) as refused:
            plan_audit(_work(factory), org, _plan([cert], lead, **changes))
        assert refused.value.field == field
    expert = factory.user(Role.PLANNER)  # a technical expert need not be an auditor
    audit = plan_audit(_work(factory), org, _plan([cert], lead, expert_ids=[str(expert.id)]))
    assert {m.user_id: m.role for m in audit.team} == {
        lead.id: TeamRole.LEAD,
        expert.id: TeamRole.TECHNICAL_EXPERT,
    }


def test_a_site_outside_the_certifications_is_refused(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    org = factory.organisation(sites=2)
    cert = factory.certification(organisation=org)
    cert.sites = [org.sites[0]]
    with pytest.raises(FieldError) as refused:
        plan_audit(_work(factory), org, _plan([cert], lead, chosen_site_ids=[str(org.sites[1].id)]))
    assert refused.value.field == "sites" and "in scope" in refused.value.message


def test_a_multi_site_sample_keeps_the_central_function_and_records_its_draw(factory) -> None:  # type: ignore[no-untyped-def]
    lead, second = factory.qualified_auditor(), factory.qualified_auditor()
    org = factory.organisation(sites=13)  # the central function and 12 other sites
    cert = factory.certification(organisation=org, personnel=300)
    central = org.sites[0]
    others = [s for s in org.sites if not s.is_headquarters]
    chosen = [str(others[0].id), str(others[1].id)]
    plan = _plan(
        [cert],
        lead,
        member_ids=[str(second.id)],
        chosen_site_ids=chosen,
        end_date="2027-03-19",
    )
    # A stage 1 visits the sites the planner chose: the sample starts at stage 2.
    stage1 = plan_audit(_work(factory), org, replace(plan, chosen_site_ids=[str(central.id)]))
    assert stage1.sites == [central] and stage1.plan_working["sample"]["sampled"] is False
    plan = replace(plan, audit_type="stage2")
    audit = plan_audit(_work(factory), org, plan, seed=42)
    # Initial audit, n = 12: sqrt(12) = 3.46 -> 4 sampled sites, plus the central function.
    assert len(audit.sites) == 5 and central in audit.sites
    sample = audit.plan_working["sample"]
    assert sample["seed"] == 42 and sample["chosen"] == chosen
    assert len(sample["random"]) == 2 and set(sample["random"]).isdisjoint(chosen)
    again = plan_audit(_work(factory), org, plan, seed=42)
    assert again.plan_working["sample"]["random"] == sample["random"]  # the draw repeats


def test_an_integrated_audit_sums_the_standards_and_applies_the_integration_level(factory):  # type: ignore[no-untyped-def]
    schemes = ("iso9001-2015", "iso14001-2015")
    lead, second = factory.qualified_auditor(*schemes), factory.qualified_auditor(*schemes)
    org = factory.organisation(sites=1)
    qms = factory.certification(organisation=org, personnel=100)
    ems = factory.certification(
        organisation=org, scheme="iso14001-2015", personnel=100, complexity="medium"
    )
    plan = _plan([qms, ems], lead, member_ids=[str(second.id)], end_date="2027-03-19")
    none = plan_audit(_work(factory), org, plan)
    # 100 personnel: QMS 7 days + EMS medium 8 days = 15; stage 1 30% = 4.5.
    assert none.planned_days == Decimal("4.5")
    assert sorted(c.checklist_id for c in none.checklists) == ["iso14001-2015", "iso9001-2015"]
    assert any("sum of the standards" in s for s in none.plan_working["audit_time"])


def test_surveillance_needs_a_cycle_and_then_uses_a_third(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification(personnel=40)
    factory.certification_cycle(cert, start=date(2026, 4, 2))
    audit = plan_audit(
        _work(factory), cert.organisation, _plan([cert], lead, audit_type="surveillance")
    )
    # A third of 4 days = 1.33 -> 1.5 (half days).
    assert audit.planned_days == Decimal("1.5")


def test_a_planner_plans_in_the_ui_and_the_lead_s_laptop_pulls_it(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    planner, lead = factory.planner(), factory.qualified_auditor()
    cert = factory.certification(personnel=40)
    org = cert.organisation
    device, token = factory.device_and_token(lead)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    url = f"/organisations/{org.id}/audits/new"
    form = client.get(url).get_data(as_text=True)
    assert "the tables give 1 day<" in form  # stage 1 of 4 days
    csrf = csrf_from(form)
    typed = {
        "csrf_token": csrf,
        "certification_ids": str(cert.id),
        "audit_type": "stage1",
        "start_date": "2027-03-16",
        "end_date": "2027-03-15",
        "lead_id": str(lead.id),
        "objectives": "Our own objectives",
    }
    refused = client.post(url, data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="end_date-error"' in page
    assert "Our own objectives" in page and 'value="2027-03-16"' in page
    saved = client.post(url, data=typed | {"end_date": "2027-03-17"})
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "A2027-0001" in shown and 'id="plan-working"' in shown
    pulled = client.post("/api/sync/v1/pull", json={"cursor": 0}, headers=api_headers(token))
    assert pulled.status_code == 200
    numbers = [a["number"] for a in pulled.get_json()["audits"]]
    assert numbers == ["A2027-0001"]
    assert re.search(r"Stage 1", client.get(f"/organisations/{org.id}").get_data(as_text=True))


def test_an_initial_audit_waits_for_the_application_review(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification(reviewed_at=None)
    with pytest.raises(FieldError, match="record the application review first") as refused:
        plan_audit(_work(factory), cert.organisation, _plan([cert], lead))
    assert refused.value.field == "certifications"


def test_days_other_than_the_tables_need_a_reason_and_stop_at_30_percent_less(factory) -> None:  # type: ignore[no-untyped-def]
    lead, second = factory.qualified_auditor(), factory.qualified_auditor()
    cert = factory.certification(personnel=300)  # QMS 276-425: 10 days; stage 1 30% = 3
    org = cert.organisation
    base = {"member_ids": [str(second.id)], "end_date": "2027-03-19"}
    with pytest.raises(FieldError) as refused:
        plan_audit(_work(factory), org, _plan([cert], lead, planned_days="2.5", **base))
    assert (
        refused.value.field == "time_reason" and "The tables give 3 days" in refused.value.message
    )
    with pytest.raises(FieldError, match="33% less") as refused:
        plan_audit(
            _work(factory),
            org,
            _plan([cert], lead, planned_days="2", time_reason="Mature system", **base),
        )
    assert refused.value.field == "planned_days"
    audit = plan_audit(
        _work(factory),
        org,
        _plan([cert], lead, planned_days="4", time_reason="Two shifts to visit", **base),
    )
    assert audit.planned_days == Decimal("4")
    assert (
        "planned 4 days instead of 3 (+33%): Two shifts to visit"
        in audit.plan_working["audit_time"]
    )
