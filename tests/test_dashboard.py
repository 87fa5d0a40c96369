"""The CB's dashboard: the numbers behind each plot, the SVG drawn from them, the page that
shows both, and who may see it."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from auditkit.corrective_actions.deadlines import add_months
from auditkit.dashboard import figures, plots
from auditkit.models import (
    AuditStatus,
    CertificateStatus,
    FindingClause,
    Grade,
    ReportRelease,
    Role,
    TeamRole,
    utcnow,
)
from tests.helpers import sign_in

TODAY = date(2031, 3, 10)
SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def rows(chart: figures.Chart) -> list[tuple[str, tuple[int, ...]]]:
    return [(row.label, row.values) for row in chart.rows]


def days(n: int, today: date = TODAY) -> date:
    return today + timedelta(days=n)


# ---- data for each plot (a `today` of their own, so the page can use the real one) ----


def nonconformities(factory) -> None:  # type: ignore[no-untyped-def]
    audit = factory.audit(lead=factory.auditor())
    for grade in (Grade.MAJOR, Grade.MAJOR, Grade.MINOR):
        factory.finding(audit, grade=grade, clause=("iso9001-2015", "7.2"))
    factory.finding(audit, grade=Grade.MINOR, clause=("iso9001-2015", "8.5.1"))
    two = factory.finding(audit, grade=Grade.MINOR, clause=("iso9001-2015", "10.2"))
    two.clauses.append(FindingClause(checklist_id="iso9001-2015", clause_number="9.2", position=1))
    # Neither counts: one deleted, one not a nonconformity.
    factory.finding(audit, grade=Grade.MAJOR, clause=("iso9001-2015", "7.2"), deleted_at=utcnow())
    factory.finding(audit, grade=Grade.OBSERVATION, clause=("iso9001-2015", "7.2"))
    factory.session.flush()


def released_audit(factory, ended: date, *, released: bool = True):  # type: ignore[no-untyped-def]
    audit = factory.audit(
        lead=factory.auditor(), status=AuditStatus.REPORT_RELEASED, start=ended, days=1
    )
    if released:
        pdf = b"%PDF-1.7 released"
        factory.session.add(
            ReportRelease(
                audit_id=audit.id,
                revision=1,
                review_round=1,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                pdf=pdf,
            )
        )
    return audit


def overdue(factory, today: date = TODAY) -> None:  # type: ignore[no-untyped-def]
    # Answers are due 30 days after the closing (the last day here); a major is verified
    # within 90 days of it.
    long_ago = released_audit(factory, days(-100, today))
    factory.finding(long_ago, grade=Grade.MINOR)  # answer 70 days late
    factory.finding(long_ago, grade=Grade.MAJOR)  # answer 70 late, verification 10: 70
    factory.finding(released_audit(factory, days(-35, today)), grade=Grade.MINOR)  # 5 late
    factory.finding(released_audit(factory, days(-130, today)), grade=Grade.DEVIATION)  # 100
    factory.finding(released_audit(factory, days(-20, today)), grade=Grade.MINOR)  # not yet due
    # No report released: nothing is due from the client yet.
    factory.finding(released_audit(factory, days(-100, today), released=False))


def certificates(factory, today: date = TODAY) -> None:  # type: ignore[no-untyped-def]
    certification = factory.certification()

    def issue(expiry: date, **fields) -> None:  # type: ignore[no-untyped-def]
        factory.certificate(
            certification, effective=expiry - timedelta(days=1000), expiry=expiry, **fields
        )

    for n in (0, 6, 7, 90):
        issue(days(n, today))
    issue(days(91, today))  # after the 90 days
    issue(days(-1, today))  # expired yesterday
    issue(days(10, today), status=CertificateStatus.SUSPENDED)
    issue(days(10, today), is_current=False)  # superseded


def due(factory, today: date = TODAY) -> None:  # type: ignore[no-untyped-def]
    def certification(due_by: date, planned: bool, **fields) -> None:  # type: ignore[no-untyped-def]
        row = factory.certification(**fields)
        row.next_audit, row.next_due_by, row.next_planned = "surveillance1", due_by, planned
        factory.session.flush()

    first = today.replace(day=1)
    certification(days(-20, today), False)
    certification(days(-1, today), True)
    certification(today, False)
    certification(first.replace(day=28), True)
    certification(add_months(first, 6) - timedelta(days=1), True)  # the sixth month
    certification(add_months(first, 6), True)  # the seventh month: not shown
    certification(days(30, today), False, withdrawn_at=utcnow())
    archived = factory.organisation()
    archived.archived_at = utcnow()
    certification(days(30, today), False, organisation=archived)


def load(factory, today: date = TODAY) -> None:  # type: ignore[no-untyped-def]
    ann = factory.auditor(full_name="Ann Auditor")
    bob = factory.auditor(full_name="Bob Auditor")
    factory.auditor(full_name="Cas Auditor")  # on no audit
    gone = factory.auditor(full_name="Dee Left", active=False)
    expert = factory.user(Role.PLANNER, full_name="Eve Planner")
    factory.audit(
        lead=ann, members=[bob, (expert, TeamRole.TECHNICAL_EXPERT), gone],
        start=days(1, today), days=3,
    )  # fmt: skip
    factory.audit(lead=bob, start=days(-1, today), days=3)  # two of its days ahead
    factory.audit(lead=ann, start=days(88, today), days=4)  # two of its days within 90
    factory.audit(lead=ann, start=days(90, today), days=2)  # after the 90 days
    factory.audit(lead=ann, start=days(-10, today), days=2)  # over


# ---- the numbers ----


def test_nonconformities_are_counted_per_clause_and_grade(factory) -> None:  # type: ignore[no-untyped-def]
    nonconformities(factory)
    chart = figures.nonconformities_by_clause(factory.session, TODAY)
    assert chart.series == ("Major", "Minor")
    assert rows(chart) == [
        ("ISO 9001:2015 7.2", (2, 1)),
        ("ISO 9001:2015 8.5.1", (0, 1)),
        ("ISO 9001:2015 9.2", (0, 1)),
        ("ISO 9001:2015 10.2", (0, 1)),
    ]
    assert chart.note == ""


def test_only_the_fifteen_clauses_with_most_nonconformities_are_shown(factory) -> None:  # type: ignore[no-untyped-def]
    audit = factory.audit(lead=factory.auditor())
    for n in range(1, 18):
        factory.finding(audit, clause=("iso9001-2015", f"4.{n}"))
    factory.finding(audit, clause=("iso9001-2015", "4.17"))
    chart = figures.nonconformities_by_clause(factory.session, TODAY)
    assert len(chart.rows) == 15
    assert chart.rows[0] == ("ISO 9001:2015 4.17", (0, 2))
    assert [row.label for row in chart.rows[1:3]] == ["ISO 9001:2015 4.1", "ISO 9001:2015 4.2"]
    assert "2 more not shown" in chart.note


def test_overdue_corrective_actions_by_days_late_and_grade(factory) -> None:  # type: ignore[no-untyped-def]
    overdue(factory)
    chart = figures.overdue_corrective_actions(factory.session, TODAY)
    assert chart.series == ("Major", "Minor", "Deviation")
    assert rows(chart) == [
        ("1–7 days", (0, 1, 0)),
        ("8–30 days", (0, 0, 0)),
        ("31–90 days", (1, 1, 0)),
        ("over 90 days", (0, 0, 1)),
    ]


def test_valid_certificates_expiring_within_90_days_by_week(factory) -> None:  # type: ignore[no-untyped-def]
    certificates(factory)
    chart = figures.certificates_expiring(factory.session, TODAY)
    assert len(chart.rows) == 13
    assert chart.rows[0] == ("10 Mar", (2,))
    assert chart.rows[1] == ("17 Mar", (1,))
    assert chart.rows[12] == ("2 Jun", (1,))
    assert sum(row.total for row in chart.rows) == 4


def test_audits_due_per_month_and_overdue_planned_or_not(factory) -> None:  # type: ignore[no-untyped-def]
    due(factory)
    chart = figures.audits_due(factory.session, TODAY)
    assert chart.series == ("Planned", "Not planned yet")
    assert rows(chart) == [
        ("Overdue", (1, 1)),
        ("Mar 2031", (1, 1)),
        ("Apr 2031", (0, 0)),
        ("May 2031", (0, 0)),
        ("Jun 2031", (0, 0)),
        ("Jul 2031", (0, 0)),
        ("Aug 2031", (1, 0)),
    ]


def test_auditor_load_counts_audit_days_within_the_next_90(factory) -> None:  # type: ignore[no-untyped-def]
    load(factory)
    chart = figures.auditor_load(factory.session, TODAY)
    assert chart.series == ("As lead", "In the team")
    assert rows(chart) == [
        ("Ann Auditor", (5, 0)),
        ("Bob Auditor", (2, 3)),
        ("Cas Auditor", (0, 0)),
    ]


def test_with_no_data_every_chart_is_empty(factory) -> None:  # type: ignore[no-untyped-def]
    assert [build(factory.session, TODAY).is_empty for build in figures.FIGURES.values()] == [
        True
    ] * 5


# ---- the SVG ----


def svg_texts(svg: str) -> set[str]:
    root = ET.fromstring(svg.encode())  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}


def assert_self_contained(svg: str) -> None:
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= NAMESPACES
    assert "<!DOCTYPE" not in svg
    assert all(ref.startswith("#") for ref in re.findall(r'href="([^"]*)"', svg))


def test_each_plot_is_an_svg_with_its_labels_as_text(factory) -> None:  # type: ignore[no-untyped-def]
    for build in (nonconformities, overdue, certificates, due, load):
        build(factory)
    for name, chart_of in figures.FIGURES.items():
        chart = chart_of(factory.session, TODAY)
        assert not chart.is_empty, name
        svg = plots.render(chart)
        texts = svg_texts(svg)
        assert {row.label for row in chart.rows} <= texts, name
        assert_self_contained(svg)
        assert plots.render(chart) == svg, f"{name}: the same numbers drew another SVG"


def test_an_empty_plot_says_there_is_nothing_to_show(factory) -> None:  # type: ignore[no-untyped-def]
    for chart_of in figures.FIGURES.values():
        chart = chart_of(factory.session, TODAY)
        svg = plots.render(chart)
        assert svg_texts(svg) == {chart.empty}
        assert_self_contained(svg)


def test_labels_that_look_like_markup_or_maths_stay_text() -> None:
    chart = figures.Chart(
        name="x", title="x", category="x", series=("Planned",), unit="things", empty="none",
        rows=(figures.Row("R&D <lab> $5 & $6", (3,)),),
    )  # fmt: skip
    assert "R&D <lab> $5 & $6" in svg_texts(plots.render(chart))


# ---- the pages ----


@pytest.fixture
def staff_client(factory, cb_client):  # type: ignore[no-untyped-def]
    planner = factory.planner()
    today = date.today()
    for build in (overdue, certificates, due, load):
        build(factory, today)
    nonconformities(factory)
    factory.commit()
    assert sign_in(cb_client, planner.username).status_code == 302
    return cb_client


def table_rows(soup: BeautifulSoup, name: str) -> list[tuple[str, tuple[int, ...]]]:
    table = soup.find("table", id=f"plot-{name}-table")
    assert table is not None, name
    found = []
    for tr in table.find("tbody").find_all("tr"):
        cells = [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        found.append((cells[0], tuple(int(c) for c in cells[1:])))
    return found


def test_the_page_shows_each_plot_beside_a_table_of_its_numbers(staff_client, factory) -> None:  # type: ignore[no-untyped-def]
    response = staff_client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    today = date.today()
    for name, chart_of in figures.FIGURES.items():
        section = soup.find("section", id=f"plot-{name}")
        assert section is not None, name
        image = section.find("img")
        assert image["src"] == f"/dashboard/plots/{name}.svg"
        assert image["alt"]
        chart = chart_of(factory.session, today)
        with_totals = [(label, (*values, sum(values))) for label, values in rows(chart)]
        assert table_rows(soup, name) == (rows(chart) if len(chart.series) == 1 else with_totals)
    assert ("ISO 9001:2015 8.5.1", (0, 1, 1)) in table_rows(soup, "nonconformities")
    assert ("31–90 days", (1, 1, 0, 2)) in table_rows(soup, "overdue-actions")
    assert ("Ann Auditor", (5, 0, 5)) in table_rows(soup, "auditor-load")
    assert " style=" not in html  # the CSP allows no inline style
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    assert 'href="/dashboard" aria-current="page"' in html
    assert "/static/css/dashboard.css" in html


def test_a_plot_is_served_as_svg_with_a_policy_of_its_own(staff_client) -> None:  # type: ignore[no-untyped-def]
    response = staff_client.get("/dashboard/plots/auditor-load.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "no-store" in response.headers["Cache-Control"]
    assert "Ann Auditor" in svg_texts(response.get_data(as_text=True))
    assert staff_client.get("/dashboard/plots/no-such-plot.svg").status_code == 404


def test_auditors_may_not_see_the_dashboard(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    auditor = factory.auditor()
    factory.commit()
    assert cb_client.get("/dashboard").status_code == 302  # to sign in first
    assert sign_in(cb_client, auditor.username).status_code == 302
    assert cb_client.get("/dashboard").status_code == 403
    assert cb_client.get("/dashboard/plots/nonconformities.svg").status_code == 403
    assert 'href="/dashboard"' not in cb_client.get("/").get_data(as_text=True)
