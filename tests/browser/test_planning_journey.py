"""In Chromium, issue 12 done: a planner plans stage 1 and 2; the lead's laptop pulls both.

The planner creates a client with four sites (one the central function), qualifies the team,
records an ISO 9001 application with its personnel, sees the audit time and the programme,
records the application review, plans a stage 1 (first with a lead who may not lead: refused
with the reason) and a stage 2 with the days left to the tables; the lead's laptop, linked to
the live CB server before any of it, syncs from its own sync page and lists both audits.

Waits only on what a user sees. Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auditkit.certifications import REVIEW_CHECKS
from sync.client.enrol import login
from tests.browser.conftest import PATIENCE_MS, LiveServer
from tests.browser.journey_helpers import ready, shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CLIENT = "Noordkade Machinebouw"
CENTRAL = "Head office Zwolle"
SITES = [  # name, people per shift, central function
    (CENTRAL, "20", True),
    ("Plant Kampen", "12, 6", False),
    ("Plant Deventer", "9", False),
    ("Service depot Apeldoorn", "5", False),
]
SCOPE = "Design and manufacture of conveyor systems for bulk handling."
# 35 full-time + 10 part-time at 20 h of a 40 h week (5 full-time equivalents) = 40.
FULL_TIME, PART_TIME, EFFECTIVE = "35", "10 x 20", "40"
# IAF MD 5 Table QMS 1: 26-45 effective personnel -> 4 days initial (stage 1 + stage 2).
# Stage 1 is 30% of it, 1.2 -> 1 day (half days); stage 2 the rest, 3 days; each surveillance
# 1/3 of 4 = 1.33 -> 1.5 days; recertification 2/3 of 4 = 2.67 -> 2.5 days.
AUDIT_TIME = ["4 d", "1 d", "3 d", "1.5 d", "2.5 d"]
STAGE1_DAYS, STAGE2_DAYS = "1", "3"


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str


@dataclass(frozen=True)
class People:
    planner: Person
    lead: Person
    second: Person


@pytest.fixture
def people(factory) -> People:  # type: ignore[no-untyped-def]
    """A planner and two auditors with no qualification yet; the planner qualifies them."""
    made = People(
        planner=Person("pia.planner", "Pia Planner"),
        lead=Person("lena.lead", "Lena Lead"),
        second=Person("sam.second", "Sam Second"),
    )
    factory.planner(username=made.planner.username, full_name=made.planner.full_name)
    for person in (made.lead, made.second):
        factory.auditor(username=person.username, full_name=person.full_name)
    factory.commit()
    factory.session.close()
    return made


@pytest.fixture
def cb_server(cb_app, people) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(cb_app) as server:
        yield server


@pytest.fixture
def laptop(field_app, cb_server, people) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The lead's laptop, linked to the live CB server (what `auditkit login URL` does)."""
    login(Path(field_app.config["DATA_DIR"]), cb_server.url, people.lead.username, PASSWORD)
    with LiveServer(field_app) as server:
        yield server


@pytest.fixture
def laptop_page(browser):  # type: ignore[no-untyped-def]
    """The lead's own browser: another context, so no cookie is shared with the planner's."""
    context = browser.new_context()
    context.set_default_timeout(PATIENCE_MS)
    yield context.new_page()
    context.close()


@dataclass(frozen=True)
class Dates:
    stage1: date
    stage2_start: date
    stage2_end: date


def planned_dates() -> Dates:
    start = date.today() + timedelta(days=21)
    return Dates(start, start + timedelta(days=28), start + timedelta(days=29))


def audit_numbers(dates: Dates) -> tuple[str, str]:
    """A<year>-<sequence of the year>: the first audit of a year is 0001."""
    first = f"A{dates.stage1.year}-0001"
    same_year = dates.stage2_start.year == dates.stage1.year
    return first, f"A{dates.stage2_start.year}-{'0002' if same_year else '0001'}"


def facts(page, term: str):  # type: ignore[no-untyped-def]
    """The <dd> beside a <dt> of the page's facts list."""
    return page.locator(f'dl.facts dt:text-is("{term}") + dd')


# ---- the planner's steps ----


def main_nav(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Main")


def sign_in(page, url: str, person: Person) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#username", person.username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def create_client_with_sites(page) -> str:  # type: ignore[no-untyped-def]
    """A client with four sites, the head office the central function; its page's URL."""
    page.get_by_role("link", name="New client").click()
    page.fill("#legal_name", f"{CLIENT} B.V.")
    page.fill("#name", CLIENT)
    page.fill("#city", "Zwolle")
    page.fill("#country", "NL")
    page.get_by_role("button", name="Create the client").click()
    expect(page.get_by_role("heading", name=CLIENT)).to_be_visible()
    client_url = page.url
    for name, shifts, central in SITES:
        page.get_by_role("link", name="Add a site").click()
        page.fill("#name", name)
        page.get_by_label("Permanent", exact=True).check()
        if central:
            page.get_by_label("Central function").check()
        page.fill("#city", name.rsplit(" ", 1)[1])
        page.fill("#shift_personnel", shifts)
        page.fill("#activities", "Assembly and testing of conveyors.")
        page.get_by_role("button", name="Save the site").click()
        expect(page.locator("#site-list tbody tr").filter(has_text=name)).to_be_visible()
    rows = page.locator("#site-list tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text=CENTRAL)).to_contain_text("central function")
    expect(page.locator("#site-list .badge")).to_have_count(1)
    shot(page, "planning-01-client")
    return client_url


def qualify(page, person: Person, *, lead: bool) -> None:  # type: ignore[no-untyped-def]
    """On Auditors: an ISO 9001:2015 qualification in sector 18, as lead or as auditor."""
    main_nav(page).get_by_role("link", name="Auditors").click()
    page.locator("#auditor-list").get_by_role("link", name=person.full_name).click()
    expect(page.get_by_role("heading", name=person.full_name)).to_be_visible()
    expect(page.locator("#qualification-list")).to_contain_text("cannot be put on a team")
    form = page.locator("#qualification-form")
    form.get_by_label("Standard or scheme").select_option(label="ISO 9001:2015 quality")
    if lead:
        form.get_by_label("May lead audits of it").check()
    form.get_by_label("IAF sector codes").fill("18")
    form.get_by_label("Qualified on").fill("2020-01-15")
    form.get_by_role("button", name="Save the qualification").click()
    row = page.locator("#qualification-list tbody tr").filter(has_text="ISO 9001:2015")
    expect(row.locator("td")).to_have_text(
        ["ISO 9001:2015", "lead auditor" if lead else "auditor", "18", "2020-01-15", "–", "active"]
    )


def qualify_the_team(page, people: People) -> None:  # type: ignore[no-untyped-def]
    qualify(page, people.lead, lead=True)
    qualify(page, people.second, lead=False)
    main_nav(page).get_by_role("link", name="Auditors").click()
    listed = page.locator("#auditor-list tbody tr")
    expect(listed.filter(has_text=people.lead.full_name)).to_contain_text("ISO 9001:2015 (lead)")
    expect(listed.filter(has_text=people.second.full_name)).to_contain_text("ISO 9001:2015")
    expect(listed.filter(has_text=people.second.full_name)).not_to_contain_text("(lead)")
    shot(page, "planning-02-auditors")


def apply_for_iso_9001(page, client_url: str) -> None:  # type: ignore[no-untyped-def]
    """The ISO 9001 application: scope, all sites, sector 18, full- and part-time staff."""
    page.goto(client_url)
    page.locator("#new-certification").click()
    page.locator("#scheme-choice").get_by_label("ISO 9001:2015 quality").check()
    page.get_by_role("button", name="Go on").click()
    form = page.locator("#certification-form")
    expect(form).to_contain_text("ISO 9001:2015 quality")
    form.get_by_label("Scope", exact=True).fill(SCOPE)
    in_scope = form.get_by_role("group", name="Sites in scope").get_by_role("checkbox")
    expect(in_scope).to_have_count(4)
    for box in in_scope.all():
        box.check()  # all four (they come ticked: this keeps them so)
    form.get_by_label("IAF sector codes").fill("18")
    form.get_by_label("Full-time staff").fill(FULL_TIME)
    form.get_by_label("Part-time staff").fill(PART_TIME)
    form.get_by_role("button", name="Record the application").click()
    expect(page.get_by_role("heading", name=re.compile(r"^ISO 9001:2015"))).to_be_visible()


def check_audit_time_and_programme(page) -> None:  # type: ignore[no-untyped-def]
    for name, _, _ in SITES:
        expect(facts(page, "Sites in scope")).to_contain_text(name)
    expect(facts(page, "IAF sector codes")).to_contain_text("18")
    personnel = page.locator("#effective-personnel")
    expect(personnel).to_contain_text(EFFECTIVE)
    expect(personnel.locator(".working li")).to_have_text(
        [
            "full-time personnel: 35",
            re.compile(r"^part-time: 10 × 20 h / 40 h = 5(\.0+)? full-time equivalents$"),
            re.compile(r"^effective personnel: 40(\.0+)? → 40 "),
        ]
    )
    audit_time = page.locator("#audit-time")
    expect(audit_time.locator("thead th")).to_have_text(
        [
            "Initial (stage 1 + stage 2)",
            "Stage 1",
            "Stage 2",
            "Each surveillance",
            "Recertification",
        ]
    )
    expect(audit_time.locator("tbody td")).to_have_text(AUDIT_TIME)
    audit_time.get_by_text("How it is worked out").click()
    expect(audit_time.locator(".working")).to_contain_text("band 26–45 → 4.0 days")
    expect(audit_time.locator(".working")).to_contain_text("IAF MD 5 Table QMS 1")
    for stage in ("Stage 1", "Stage 2"):
        row = programme_row(page, stage)
        expect(row.locator(".badge")).to_have_text("to plan")
        expect(row.locator("td").last).to_have_text("–")
    shot(page, "planning-03-certification")


def programme_row(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator("#programme tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(f"^{label}$"))
    )


def record_the_application_review(page, planner: Person) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("#review-form")
    for label in REVIEW_CHECKS.values():
        form.get_by_label(label).check()
    form.get_by_label("Notes").fill("Four sites, one central function: MD 1 sampling applies.")
    form.get_by_role("button", name="Record the review").click()
    review = page.locator("#application-review")
    expect(review).to_contain_text(f"Reviewed by {planner.full_name}")
    expect(review.locator("li")).to_have_count(len(REVIEW_CHECKS))


def open_the_plan_form(page, client_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(client_url)
    page.locator("#plan-audit").click()
    expect(page.get_by_role("heading", name=f"Plan an audit of {CLIENT}")).to_be_visible()


def fill_the_plan(  # type: ignore[no-untyped-def]
    page, kind: str, days: str, start: date, end: date, lead: Person, member: Person
) -> None:
    """Type, dates and team; the certification is ticked already, the days left empty."""
    form = page.locator("#plan-form")
    served = form.get_by_role("group", name=re.compile("^Certifications this audit serves"))
    expect(served.get_by_role("checkbox", name=re.compile("^ISO 9001:2015"))).to_be_checked()
    # What the tables give for this type, shown beside it (a stage 1 of 4 days: 1 day).
    unit = "day" if days == "1" else "days"
    kind_radio = form.get_by_role("radio", name=f"{kind} · the tables give {days} {unit}")
    expect(kind_radio).to_be_visible()
    kind_radio.check()
    form.get_by_label("First day").fill(start.isoformat())
    form.get_by_label("Last day").fill(end.isoformat())
    choose_team(page, lead, member)
    expect(form.get_by_label("Planned auditor-days")).to_have_value("")


def choose_team(page, lead: Person, member: Person) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("#plan-form")
    form.locator("#lead_id").select_option(label=lead.full_name)
    auditors = form.get_by_role("group", name="Auditors", exact=True)
    auditors.get_by_label(lead.full_name).uncheck()
    auditors.get_by_label(member.full_name).check()


def check_the_audit_page(  # type: ignore[no-untyped-def]
    page, kind: str, number: str, days: str, people: People
) -> None:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^{kind} audit\s+{number}$"))
    unit = "day" if days == "1" else "days"
    expect(facts(page, "Audit time")).to_have_text(f"{days} {unit} (auditor-days)")
    expect(facts(page, "Serves")).to_have_text(re.compile(r"^ISO 9001:2015"))
    expect(page.locator("#team-list tbody tr td")).to_have_text(
        [people.lead.full_name, "Lead auditor", people.second.full_name, "Auditor"]
    )
    sites = facts(page, "Sites")
    expect(sites).to_contain_text(CENTRAL)
    working = page.locator("#plan-working")
    working.get_by_text("How the plan was worked out").click()
    # Each part of the working is a heading and its list.
    expect(working.get_by_role("heading", name="Audit time")).to_be_visible()
    time_steps = working.locator("#working-audit-time")
    expect(time_steps).to_contain_text("40 effective personnel → band 26–45 → 4.0 days")
    expect(time_steps).to_contain_text(re.compile(rf"planned for the stage \d: {days}(\.0)? days"))
    expect(working.get_by_role("heading", name="Sites")).to_be_visible()
    site_steps = working.locator("#working-sites")
    if kind == "Stage 1":
        # A stage 1 visits the sites the planner chose (none ticked: all four).
        expect(sites).to_have_text(re.compile(r"^[^;]+; [^;]+; [^;]+; [^;]+$"))
        expect(site_steps).to_contain_text("every site chosen is visited")
        return
    # MD 1 from stage 2: a central function and 3 other sites; √3 -> 2, plus the central one.
    expect(sites).to_have_text(re.compile(r"^[^;]+; [^;]+; [^;]+$"))
    expect(site_steps).to_contain_text("3 sites other than the central function (n = 3)")
    expect(site_steps).to_contain_text("initial: √n = √3, rounded up → 2 sites")
    expect(site_steps).to_contain_text("sites visited including the central function: 2 + 1 = 3")
    expect(site_steps).to_contain_text(f"central function: {CENTRAL}, in every audit")


def plan_stage_1_refused_then_fixed(page, client_url, dates, people, number) -> None:  # type: ignore[no-untyped-def]
    open_the_plan_form(page, client_url)
    # First the second auditor as lead: refused, with the reason, and what was typed kept.
    fill_the_plan(
        page, "Stage 1", STAGE1_DAYS, dates.stage1, dates.stage1, people.second, people.lead
    )
    page.get_by_role("button", name="Plan the audit").click()
    team_error = page.locator("#team-error")
    expect(team_error).to_be_visible()
    expect(team_error).to_contain_text(
        f"{people.second.full_name} is not qualified to lead ISO 9001:2015"
    )
    expect(page.locator("#lead_id option:checked")).to_have_text(people.second.full_name)
    expect(page.get_by_label("First day")).to_have_value(dates.stage1.isoformat())
    expect(page.get_by_role("radio", name=re.compile("^Stage 1"))).to_be_checked()
    shot(page, "planning-04-team-refused")
    choose_team(page, people.lead, people.second)
    page.get_by_role("button", name="Plan the audit").click()
    check_the_audit_page(page, "Stage 1", number, STAGE1_DAYS, people)
    expect(facts(page, "Dates")).to_have_text(dates.stage1.isoformat())
    shot(page, "planning-05-stage-1")


def plan_stage_2(page, client_url, dates, people, number) -> None:  # type: ignore[no-untyped-def]
    open_the_plan_form(page, client_url)
    fill_the_plan(
        page,
        "Stage 2",
        STAGE2_DAYS,
        dates.stage2_start,
        dates.stage2_end,
        people.lead,
        people.second,
    )
    page.get_by_role("button", name="Plan the audit").click()
    check_the_audit_page(page, "Stage 2", number, STAGE2_DAYS, people)
    expect(facts(page, "Dates")).to_have_text(
        f"{dates.stage2_start.isoformat()} – {dates.stage2_end.isoformat()}"
    )
    shot(page, "planning-06-stage-2")


def check_the_programme_shows_both_planned(page, dates: Dates) -> None:  # type: ignore[no-untyped-def]
    facts(page, "Serves").get_by_role("link", name=re.compile(r"^ISO 9001:2015")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^ISO 9001:2015"))).to_be_visible()
    for stage, when in (
        ("Stage 1", dates.stage1.isoformat()),
        ("Stage 2", f"{dates.stage2_start.isoformat()} – {dates.stage2_end.isoformat()}"),
    ):
        row = programme_row(page, stage)
        expect(row.locator(".badge")).to_have_text("audit planned")
        expect(row.locator("td").last).to_have_text(when)
    shot(page, "planning-07-programme")


# ---- the lead's laptop ----


def laptop_syncs_and_lists_both(page, url: str, people: People, dates: Dates, numbers) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="My audits")).to_be_visible()
    expect(page.get_by_text(f"Auditor: {people.lead.full_name}")).to_be_visible()
    expect(page.get_by_text("No audits are assigned to you on this laptop.")).to_be_visible()
    page.locator("#sync-status").get_by_role("link", name="Sync").click()
    expect(page.locator("#sync-link")).to_contain_text(people.lead.username)
    ready(page)
    page.get_by_role("button", name="Sync now").click()
    # The panel polls itself while the sync runs, then shows how it went.
    expect(page.locator("#sync-result")).to_contain_text("Finished at")
    # The two audits arrived in full, and they count as received.
    expect(page.locator("#sync-result")).to_contain_text("received 2 changes")
    expect(page.locator("#sync-last")).to_contain_text("everything sent and received")
    shot(page, "planning-08-laptop-synced")
    page.get_by_role("link", name="My audits").click()
    rows = page.locator("#audit-list tbody tr")
    expect(rows).to_have_count(2)
    for kind, number, when in (
        ("Stage 1", numbers[0], dates.stage1.isoformat()),
        (
            "Stage 2",
            numbers[1],
            f"{dates.stage2_start.isoformat()} – {dates.stage2_end.isoformat()}",
        ),
    ):
        # The type cell carries the audit's number too, which tells two audits apart.
        row = rows.filter(has=page.locator("td", has_text=f"{kind} {number}"))
        expect(row.locator("td")).to_contain_text([CLIENT, kind, when, "ISO 9001:2015", "planned"])
        expect(row.get_by_role("link", name=CLIENT)).to_be_visible()
    shot(page, "planning-09-laptop-my-audits")


def test_a_planner_plans_stage_1_and_2_and_the_lead_s_laptop_pulls_both(  # type: ignore[no-untyped-def]
    page, laptop_page, people, cb_server, laptop
) -> None:
    dates = planned_dates()
    stage1_number, stage2_number = audit_numbers(dates)

    sign_in(page, cb_server.url, people.planner)
    client_url = create_client_with_sites(page)
    qualify_the_team(page, people)
    apply_for_iso_9001(page, client_url)
    check_audit_time_and_programme(page)
    record_the_application_review(page, people.planner)

    plan_stage_1_refused_then_fixed(page, client_url, dates, people, stage1_number)
    plan_stage_2(page, client_url, dates, people, stage2_number)
    check_the_programme_shows_both_planned(page, dates)

    laptop_syncs_and_lists_both(
        laptop_page, laptop.url, people, dates, (stage1_number, stage2_number)
    )
