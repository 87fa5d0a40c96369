"""Issue 12 item 6: the audit team. The lead is qualified to lead every scheme, the team
covers every sector code, no member has a recent tie to the client, the lead rotates; a
blocked team says why, and only an administrator overrides it, with a reason that is logged.
Auditor records and a client's objections are kept in the staff UI."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from auditkit.auditors import answer_objection, declare_tie, record_objection
from auditkit.field_errors import FieldError
from auditkit.models import (
    AuditEvent,
    AuditStatus,
    AuditType,
    ImpartialityDeclaration,
    Role,
    TeamRole,
)
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.planning.team import TeamBlocked, TeamPolicy, check_team
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in


def _work(factory) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(factory.session, Actor.system("pytest"))


def _plan(cert, lead, **changes) -> PlanInput:  # type: ignore[no-untyped-def]
    values = {
        "audit_type": "stage1",
        "start_date": "2027-03-15",
        "end_date": "2027-03-16",
        "certification_ids": [str(cert.id)],
        "lead_id": str(lead.id),
    }
    return PlanInput(**(values | changes))


def _codes(problems) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in problems]


def test_a_lead_must_be_qualified_to_lead_each_scheme(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification(sector_codes=[17])
    lead = factory.auditor()
    start = date(2027, 3, 15)
    assert _codes(check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start)) == [
        "lead_not_qualified",
        "sectors_not_covered",
        "auditor_not_qualified",
    ]
    factory.qualification(lead, may_lead=False, sector_codes=[17])
    problems = check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start)
    assert _codes(problems) == ["lead_not_qualified"]
    assert "not qualified to lead ISO 9001:2015" in problems[0].message


def test_a_qualification_counts_only_while_in_force(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification(sector_codes=[17])
    lead = factory.auditor()
    factory.qualification(lead, sector_codes=[17], valid_until=date(2027, 3, 14))
    team = [(lead, TeamRole.LEAD)]
    assert "lead_not_qualified" in _codes(
        check_team(factory.session, team, [cert], date(2027, 3, 15))
    )
    assert check_team(factory.session, team, [cert], date(2027, 3, 14)) == []
    other = factory.auditor()
    factory.qualification(other, sector_codes=[17], status="suspended")
    assert "lead_not_qualified" in _codes(
        check_team(factory.session, [(other, TeamRole.LEAD)], [cert], date(2027, 1, 1))
    )


def test_the_team_together_covers_every_sector_code(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification(sector_codes=[17, 28])
    lead, expert = factory.auditor(), factory.user(Role.PLANNER)
    factory.qualification(lead, sector_codes=[17])
    start = date(2027, 3, 15)
    problems = check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start)
    assert _codes(problems) == ["sectors_not_covered"] and "code(s) 28" in problems[0].message
    factory.qualification(expert, may_lead=False, sector_codes=[28])
    team = [(lead, TeamRole.LEAD), (expert, TeamRole.TECHNICAL_EXPERT)]
    assert check_team(factory.session, team, [cert], start) == []


def test_a_recent_consultancy_or_a_tie_blocks_a_member(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification(sector_codes=[17])
    lead = factory.qualified_auditor()
    org = cert.organisation
    start = date(2027, 3, 15)
    values = {"organisation_id": str(org.id), "kind": "consultancy", "description": "ISO project"}
    # Ended 2025-03-16: within two years of the audit's start.
    declare_tie(_work(factory), lead, values | {"ended_on": "2025-03-16"})
    problems = check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start)
    assert _codes(problems) == ["declared_tie"] and "consultancy for" in problems[0].message
    factory.session.query(ImpartialityDeclaration).delete()
    declare_tie(_work(factory), lead, values | {"ended_on": "2025-03-14"})  # over two years
    assert check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start) == []
    declare_tie(_work(factory), lead, values | {"kind": "tie", "description": "Brother-in-law"})
    assert _codes(check_team(factory.session, [(lead, TeamRole.LEAD)], [cert], start)) == [
        "declared_tie"
    ]


def test_the_same_lead_for_too_many_cycles_in_a_row_is_flagged(factory) -> None:  # type: ignore[no-untyped-def]
    lead = factory.qualified_auditor()
    cert = factory.certification()
    for start in (date(2021, 4, 1), date(2024, 4, 1)):
        factory.certification_cycle(cert, start=start)
        audit = factory.audit(
            organisation=cert.organisation,
            audit_type=AuditType.SURVEILLANCE,
            lead=lead,
            start=date(start.year + 1, 3, 1),
        )
        cert.audits.append(audit)
    factory.certification_cycle(cert, start=date(2027, 4, 1))
    team = [(lead, TeamRole.LEAD)]
    problems = check_team(factory.session, team, [cert], date(2028, 3, 1))
    assert _codes(problems) == ["lead_rotation"] and "3 cycles in a row" in problems[0].message
    relaxed = TeamPolicy(max_consecutive_lead_cycles=3)
    assert check_team(factory.session, team, [cert], date(2028, 3, 1), relaxed) == []


def test_a_blocked_team_is_refused_unless_an_admin_overrides_with_a_reason(factory) -> None:  # type: ignore[no-untyped-def]
    cert = factory.certification()
    lead = factory.auditor()  # no qualification
    org = cert.organisation
    with pytest.raises(TeamBlocked) as blocked:
        plan_audit(_work(factory), org, _plan(cert, lead))
    assert "ask an administrator" in blocked.value.message
    with pytest.raises(TeamBlocked, match="Only an administrator"):
        plan_audit(_work(factory), org, _plan(cert, lead, override_reason="Needed"))
    audit = plan_audit(
        _work(factory),
        org,
        _plan(cert, lead, override_reason="Witness audit for qualification"),
        may_override=True,
    )
    assert audit.plan_working["team_override"]["reason"] == "Witness audit for qualification"
    event = factory.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.team_override")
    ).one()
    assert event.audit_id == audit.id and "lead_not_qualified" in str(event.detail)


def test_an_upheld_objection_takes_the_member_off_the_team(factory) -> None:  # type: ignore[no-untyped-def]
    lead, member, planner = (
        factory.qualified_auditor(),
        factory.qualified_auditor(),
        factory.planner(),
    )
    cert = factory.certification()
    audit = plan_audit(
        _work(factory),
        cert.organisation,
        _plan(cert, lead, member_ids=[str(member.id)]),
    )
    objection = record_objection(
        _work(factory),
        audit,
        {
            "user_id": str(member.id),
            "raised_by": "J. Smit",
            "reason": "Worked for our competitor last year",
            "received_on": "2027-02-20",
        },
    )
    answer_objection(
        _work(factory), objection, audit, planner, {"outcome": "upheld", "answer": "Fair point"}
    )
    assert [m.user_id for m in audit.team] == [lead.id]
    assert objection.outcome == "upheld" and objection.answered_by_id == planner.id
    on_lead = record_objection(
        _work(factory),
        audit,
        {"user_id": str(lead.id), "raised_by": "J", "reason": "r", "received_on": "2027-02-21"},
    )
    with pytest.raises(Exception, match="another lead"):
        answer_objection(
            _work(factory), on_lead, audit, planner, {"outcome": "upheld", "answer": "x"}
        )
    audit.status = AuditStatus.IN_PROGRESS
    with pytest.raises(Exception, match="planned audit"):
        record_objection(_work(factory), audit, {"user_id": str(lead.id)})


def test_planners_keep_qualifications_in_the_ui_and_the_plan_form_shows_what_blocks(  # type: ignore[no-untyped-def]
    cb_app, factory
) -> None:
    planner, admin, person = factory.planner(), factory.user(Role.ADMIN), factory.auditor()
    cert = factory.certification(sector_codes=[17])
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    page = client.get(f"/auditors/{person.id}").get_data(as_text=True)
    csrf = csrf_from(page)
    refused = client.post(
        f"/auditors/{person.id}/qualifications",
        data={
            "csrf_token": csrf,
            "scheme": "iso9001-2015",
            "sector_codes": "17, 99",
            "qualified_on": "2024-01-10",
        },
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "99 is not an IAF sector code" in text
    assert 'value="17, 99"' in text
    url = f"/organisations/{cert.organisation_id}/audits/new"
    plan = {
        "csrf_token": csrf,
        "certification_ids": str(cert.id),
        "audit_type": "stage1",
        "start_date": "2027-03-15",
        "end_date": "2027-03-16",
        "lead_id": str(person.id),
    }
    blocked = client.post(url, data=plan)
    text = blocked.get_data(as_text=True)
    assert blocked.status_code == 422 and 'id="team-error"' in text
    assert "not qualified to lead ISO 9001:2015" in text and "override_reason" not in text
    saved = client.post(
        f"/auditors/{person.id}/qualifications",
        data={
            "csrf_token": csrf,
            "scheme": "iso9001-2015",
            "may_lead": "1",
            "sector_codes": "17",
            "qualified_on": "2024-01-10",
        },
    )
    assert saved.status_code == 302
    assert "lead auditor" in client.get(f"/auditors/{person.id}").get_data(as_text=True)
    assert client.post(url, data=plan).status_code == 302
    # An admin sees the override field when a team is blocked.
    other = factory.auditor()
    factory.commit()
    admin_client = cb_app.test_client()
    assert sign_in(admin_client, admin.username).status_code == 302
    csrf = csrf_from(admin_client.get(url).get_data(as_text=True))
    text = admin_client.post(
        url, data=plan | {"csrf_token": csrf, "lead_id": str(other.id)}
    ).get_data(as_text=True)
    assert 'name="override_reason"' in text
    assert re.search(r"Auditors</a>", text)


def test_a_trainee_is_on_the_team_but_adds_no_auditor_days(factory) -> None:  # type: ignore[no-untyped-def]
    from sync.engine.pull import audit_header

    lead, trainee = factory.qualified_auditor(), factory.auditor()  # a trainee holds no ticket
    cert = factory.certification()
    org = cert.organisation
    audit = plan_audit(_work(factory), org, _plan(cert, lead, trainee_ids=[str(trainee.id)]))
    # 3 days of stage 2 in 2 calendar days need a second auditor: a trainee is not one.
    with pytest.raises(FieldError, match="do not fit in 2 day"):
        plan_audit(
            _work(factory),
            org,
            _plan(cert, lead, audit_type="stage2", trainee_ids=[str(trainee.id)]),
        )
    assert {m.user_id: m.role for m in audit.team}[trainee.id] == TeamRole.TRAINEE
    roles = {m["user_id"]: m["role"] for m in audit_header(audit, set())["team"]}
    assert roles[str(trainee.id)] == "observer"  # laptops know no trainee role
