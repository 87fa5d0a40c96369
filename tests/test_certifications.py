"""Issue 12 item 2: a client's certifications, one per standard or scheme, each with its
scope, sites, codes, personnel and application review; the page shows its audit time."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from auditkit.certifications import (
    CertificationError,
    create_certification,
    iaf_sectors,
    record_application_review,
    withdraw_application,
)
from auditkit.certifications.fields import parse_exclusions, parse_nace_codes
from auditkit.certifications.overview import programme_rows
from auditkit.models import AuditEvent, AuditStatus, AuditType, Certification, Role
from auditkit.unit_of_work import Actor, ServerWork
from tests.helpers import csrf_from, sign_in


def _work(session) -> ServerWork:  # type: ignore[no-untyped-def]
    return ServerWork(session, Actor.system("pytest"))


def _values(**changes: str) -> dict[str, str]:
    values = {
        "scheme": "iso9001-2015",
        "scope": "Design and manufacture of pumps",
        "sector_codes": "18, 17",
        "full_time": "30",
        "part_time": "10 x 20",
        "temporary": "3",
        "contractors": "2",
    }
    return values | changes


def test_the_effective_personnel_is_worked_out_from_what_was_entered(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation(sites=2)
    row = create_certification(
        _work(factory.session), org, _values(), [str(s.id) for s in org.sites]
    )
    # 30 full time + 10 x 20 h of a 40 h week (5) + 3 temporary + 2 contractors = 40
    assert row.effective_personnel == 40
    assert row.personnel == {
        "full_time": 30,
        "part_time": [[10, 20]],
        "week_hours": 40,
        "temporary": 3,
        "contractors": 2,
    }
    assert row.sector_codes == [18, 17] and len(row.sites) == 2
    event = factory.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certification.create")
    ).one()
    assert event.entity_id == str(row.id)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"scope": " "}, "scope", "Describe the scope"),
        ({"sector_codes": "40"}, "sector_codes", "40 is not an IAF sector code"),
        ({"sector_codes": ""}, "sector_codes", "IAF sector code"),
        ({"nace_codes": "pumps"}, "nace_codes", "is not a NACE code"),
        ({"full_time": "many"}, "full_time", "whole number"),
        (
            {"full_time": "0", "part_time": "", "temporary": "0", "contractors": "0"},
            "full_time",
            "at least 1",
        ),
        ({"part_time": "10 people"}, "part_time", "people x hours"),
        ({"part_time": "2 x 50"}, "part_time", "at most the full-time week"),
        ({"scheme": "iso14001-2015"}, "complexity", "complexity category"),
        ({"scheme": "iso45001-2018", "complexity": "limited"}, "complexity", "high, medium, low"),
        ({"scheme": "iso27001-2022"}, "factor_business", "low, medium or high"),
        ({"scheme": "vca-2017"}, "vca_level", "VCA level"),
        ({"scheme": "iso50001"}, "scheme", "Choose the standard"),
        ({"exclusions": "we do no design"}, "exclusions", "the clause, a colon"),
    ],
)
def test_a_refused_certification_names_the_field_and_writes_nothing(  # type: ignore[no-untyped-def]
    factory, changes, field, words
) -> None:
    org = factory.organisation(sites=1)
    with pytest.raises(CertificationError) as refused:
        create_certification(
            _work(factory.session), org, _values(**changes), [str(org.sites[0].id)]
        )
    assert refused.value.field == field
    assert words in refused.value.message
    assert factory.session.scalars(select(Certification)).all() == []


def test_sites_in_scope_are_the_clients_own_and_at_least_one(factory):  # type: ignore[no-untyped-def]
    org, other = factory.organisation(sites=1), factory.organisation(sites=1)
    for site_ids in ([], [str(other.sites[0].id)]):
        with pytest.raises(CertificationError) as refused:
            create_certification(_work(factory.session), org, _values(), site_ids)
        assert refused.value.field == "sites"


def test_one_current_certification_per_scheme(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation(sites=1)
    sites = [str(org.sites[0].id)]
    first = create_certification(_work(factory.session), org, _values(), sites)
    with pytest.raises(CertificationError, match="already holds or applies for ISO 9001:2015"):
        create_certification(_work(factory.session), org, _values(), sites)
    withdraw_application(_work(factory.session), first, "The client chose another CB.")
    again = create_certification(_work(factory.session), org, _values(), sites)
    assert again.id != first.id


def test_scheme_specific_fields(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation(sites=1)
    sites = [str(org.sites[0].id)]
    isms = create_certification(
        _work(factory.session),
        org,
        _values(scheme="iso27001-2022", soa_version="SoA v3, 2026-10-01")
        | {f"factor_{k}": "medium" for k in ("business", "processes", "maturity")}
        | {f"factor_{k}": "high" for k in ("it_infrastructure", "outsourcing", "development")},
        sites,
    )
    assert isms.soa_version == "SoA v3, 2026-10-01"
    assert isms.isms_factors["outsourcing"] == "high" and isms.exclusions == []
    vca = create_certification(
        _work(factory.session), org, _values(scheme="vca-2017", vca_level="star2"), sites
    )
    assert vca.vca_level == "star2" and vca.complexity is None
    assert parse_exclusions("8.3: customers supply every design\n\n7.1.5.2 - no measuring") == [
        {"clause": "8.3", "justification": "customers supply every design"},
        {"clause": "7.1.5.2", "justification": "no measuring"},
    ]
    assert parse_nace_codes("25.62, c28.1 25.62") == ["25.62", "C28.1"]


def test_the_39_iaf_sector_codes() -> None:
    sectors = iaf_sectors()
    assert sorted(sectors) == list(range(1, 40))
    assert sectors[28] == "Construction" and sectors[33] == "Information technology"


def test_the_application_review_needs_every_check(factory):  # type: ignore[no-untyped-def]
    reviewer = factory.user(Role.PLANNER)
    row = factory.certification(reviewed_at=None)
    with pytest.raises(CertificationError, match="Confirm each check"):
        record_application_review(_work(factory.session), row, reviewer, ["scope"], "")
    assert row.reviewed_at is None
    checks = ["scope", "information", "understanding", "competence", "time", "impartiality"]
    record_application_review(_work(factory.session), row, reviewer, checks, "Two shifts.")
    assert row.reviewed_by_id == reviewer.id and row.reviewed_at is not None
    assert row.review_checks == checks and row.review_notes == "Two shifts."


def test_a_granted_certification_is_not_withdrawn_as_an_application(factory):  # type: ignore[no-untyped-def]
    row = factory.certification()
    factory.certification_cycle(row)
    with pytest.raises(CertificationError, match="certification decision"):
        withdraw_application(_work(factory.session), row, "Moving on")


def test_the_programme_matches_audits_to_the_cycle_and_flags_an_overdue_one(factory):  # type: ignore[no-untyped-def]
    row = factory.certification()
    today = date(2026, 12, 3)
    rows, flags = programme_rows(row, today)
    assert [(r.key, r.flag) for r in rows] == [("stage1", "to_plan"), ("stage2", "to_plan")]
    # Decided on 2025-06-02: surveillance 1 was due by 2026-06-02 and was never held.
    factory.certification_cycle(row, start=date(2025, 6, 2))
    rows, flags = programme_rows(row, today)
    assert [(r.key, r.flag) for r in rows] == [
        ("surveillance1", "overdue"),
        ("surveillance2", "not_yet_open"),
        ("recertification", "not_yet_open"),
    ]
    assert rows[0].due_by == date(2026, 6, 2) and rows[1].due_by == date(2027, 12, 31)
    held = factory.audit(
        organisation=row.organisation,
        audit_type=AuditType.SURVEILLANCE,
        status=AuditStatus.SUBMITTED,
        start=date(2026, 5, 4),
    )
    row.audits.append(held)
    rows, _ = programme_rows(row, today)
    assert rows[0].flag == "done" and rows[0].audits == [held]


def _planner(cb_app, factory):  # type: ignore[no-untyped-def]
    planner = factory.user(Role.PLANNER)
    org = factory.organisation(sites=3)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    return client, org


def test_a_planner_records_an_application_and_its_review_in_the_ui(cb_app, factory):  # type: ignore[no-untyped-def]
    client, org = _planner(cb_app, factory)
    choose = client.get(f"/organisations/{org.id}/certifications/new")
    assert choose.status_code == 200 and "ISO 45001:2018" in choose.get_data(as_text=True)
    page = client.get(f"/organisations/{org.id}/certifications/new?scheme=iso45001-2018")
    html = page.get_data(as_text=True)
    csrf = csrf_from(html)
    sites = re.findall(r'name="sites" value="([^"]+)"', html)
    typed = _values(scheme="iso45001-2018") | {"csrf_token": csrf, "sites": sites[:2]}
    refused = client.post(f"/organisations/{org.id}/certifications/new", data=typed)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="complexity-error"' in text
    assert "Design and manufacture of pumps" in text and 'value="10 x 20"' in text
    assert text.count("checked") == 2  # the two sites chosen stay chosen
    saved = client.post(
        f"/organisations/{org.id}/certifications/new", data=typed | {"complexity": "high"}
    )
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    # OH&SMS high, 40 effective personnel: 7 days (IAF MD 5 OH&SMS table, band 26-45).
    assert "40 effective personnel" in shown and "<td>7 d</td>" in shown
    assert "IAF 18: Machinery and equipment" in shown
    url = saved.headers["Location"]
    half = client.post(f"{url}/review", data={"csrf_token": csrf, "check_scope": "1", "notes": "x"})
    assert half.status_code == 422 and 'name="check_scope" value="1" checked' in half.get_data(
        as_text=True
    )
    checks = {f"check_{k}": "1" for k in ("scope", "information", "understanding")}
    checks |= {f"check_{k}": "1" for k in ("competence", "time", "impartiality")}
    done = client.post(f"{url}/review", data={"csrf_token": csrf, **checks})
    assert done.status_code == 302
    assert "application reviewed" in client.get(url).get_data(as_text=True)
    listed = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert 'id="certification-list"' in listed and "ISO 45001:2018" in listed


def test_editing_keeps_the_scheme_and_shows_errors_beside_fields(cb_app, factory):  # type: ignore[no-untyped-def]
    client, org = _planner(cb_app, factory)
    row = factory.certification(organisation=org)
    factory.commit()
    form = client.get(f"/certifications/{row.id}/edit").get_data(as_text=True)
    csrf = csrf_from(form)
    assert 'value="18"' not in form and "17" in form
    refused = client.post(
        f"/certifications/{row.id}/edit",
        data={"csrf_token": csrf, "scope": "New scope", "sector_codes": "99", "full_time": "5"},
    )
    assert refused.status_code == 422 and 'id="sector_codes-error"' in refused.get_data(
        as_text=True
    )
    saved = client.post(
        f"/certifications/{row.id}/edit",
        data={
            "csrf_token": csrf,
            "scheme": "iso14001-2015",  # ignored: a certification keeps its scheme
            "scope": "New scope",
            "sector_codes": "17",
            "full_time": "5",
            "sites": [str(org.sites[0].id)],
        },
    )
    assert saved.status_code == 302
    page = client.get(f"/certifications/{row.id}").get_data(as_text=True)
    assert "New scope" in page and "ISO 9001:2015" in page
    # QMS, 5 effective personnel: 1.5 days (IAF MD 5 QMS 1, band 1-5).
    assert "<td>1.5 d</td>" in page


def test_an_expired_looking_date_does_not_break_the_page(cb_app, factory):  # type: ignore[no-untyped-def]
    client, org = _planner(cb_app, factory)
    row = factory.certification(organisation=org)
    factory.certification_cycle(row, start=date.today() - timedelta(days=4 * 365))
    factory.commit()
    page = client.get(f"/certifications/{row.id}").get_data(as_text=True)
    assert "expired on" in page and "overdue" in page
