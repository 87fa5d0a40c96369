"""The planning lists a page at a time: the dashboard's audits and clients, a client's audits.

auditkit.pagination on its own first, then the pages as a planner and as an auditor follow
their links; bad page numbers never fail; the client search and the status filter keep the
other list's place.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from auditkit.models import Audit, AuditStatus
from auditkit.pagination import Page, page_number, paginate
from tests.helpers import sign_in

FIRST_DAY = date(2031, 1, 1)


# ---- auditkit.pagination ----


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("0", 1),
        ("-1", 1),
        ("1.5", 1),
        ("٣", 1),  # a digit, but not an ASCII one
        (" 2 ", 2),
        ("007", 7),
        (3, 3),
        (0, 1),
        ("9" * 5000, 10**9),  # more digits than int() takes: still no error
    ],
)
def test_page_number_takes_only_plain_positive_numbers(raw, expected) -> None:  # type: ignore[no-untyped-def]
    assert page_number(raw) == expected


def test_page_counts_and_window() -> None:
    page = Page(items=list(range(50)), number=5, per_page=50, total=1000)
    assert page.pages == 20 and page.has_previous and page.has_next
    assert (page.first, page.last) == (201, 250)
    assert page.window() == [1, None, 3, 4, 5, 6, 7, None, 20]
    assert Page(items=[1], number=1, per_page=50, total=1).window() == [1]
    empty = Page(items=[], number=1, per_page=50, total=0)
    assert empty.pages == 1 and not empty.has_next and not empty and empty.first == 0


def _audits(factory, count: int, **kwargs):  # type: ignore[no-untyped-def]
    """`count` audits of a few clients, a day apart, the last one the newest."""
    clients = [factory.organisation(contact=False) for _ in range(3)]
    return [
        factory.audit(
            organisation=clients[i % len(clients)], start=FIRST_DAY + timedelta(days=i), **kwargs
        )
        for i in range(count)
    ]


def test_paginate_a_select(factory) -> None:  # type: ignore[no-untyped-def]
    audits = _audits(factory, 120)
    query = select(Audit).order_by(Audit.start_date.desc(), Audit.id)
    pages = [paginate(factory.session, query, n) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert [p.total for p in pages] == [120] * 3 and pages[0].pages == 3
    seen = [a.id for p in pages for a in p.items]
    assert seen == [a.id for a in reversed(audits)]  # newest first, none twice
    past = paginate(factory.session, query, "4")
    assert past.number == 3 and len(past.items) == 20  # past the end: the last page
    ids = paginate(factory.session, select(Audit.id).order_by(Audit.start_date.desc()), 2)
    assert ids.items == seen[50:100]  # not one entity: paged as it is
    none = paginate(factory.session, query.where(Audit.id.is_(None)), "7")
    assert none.number == 1 and none.items == [] and none.total == 0


# ---- the pages ----


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(soup: BeautifulSoup, table_id: str) -> list[str]:
    """The link targets of a list's rows (an audit's or client's page)."""
    table = soup.find(id=table_id)
    return [] if table is None else [a["href"] for a in table.select("tbody tr td:first-child a")]


def _link(soup: BeautifulSoup, pager_id: str, text: str) -> str:
    pager = soup.find(id=pager_id)
    assert pager is not None, f"no {pager_id}"
    for a in pager.find_all("a"):
        if a.get_text(strip=True) == text:
            return str(a["href"])
    raise AssertionError(f"no link {text!r} in {pager_id}: {pager}")


def _args(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_planner_pages_through_120_audits(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    audits = _audits(factory, 120)
    factory.commit()
    sign_in(cb_client, planner.username)
    newest_first = [f"/audits/{a.id}" for a in reversed(audits)]

    first = _soup(cb_client.get("/"))
    assert _rows(first, "audit-list") == newest_first[:50]
    assert "1–50 of 120 audits" in first.find(id="audits-page-pager").get_text(" ", strip=True)
    second_url = _link(first, "audits-page-pager", "Next ›")
    assert _args(second_url) == {"audits_page": ["2"]}
    second = _soup(cb_client.get(second_url))
    assert _rows(second, "audit-list") == newest_first[50:100]
    third = _soup(cb_client.get(_link(second, "audits-page-pager", "3")))
    assert _rows(third, "audit-list") == newest_first[100:]
    assert len(_rows(third, "audit-list")) == 20
    back = _soup(cb_client.get(_link(third, "audits-page-pager", "1")))
    assert _rows(back, "audit-list") == newest_first[:50]
    # the clients (3) fit on one page: listed, with a count and no page links
    assert len(_rows(first, "organisation-list")) == 3
    assert first.find(id="clients-page-pager").find("a") is None


@pytest.mark.parametrize(
    "value", ["abc", "0", "-1", "", "1.5", "%00", "2abc", "99999999999999999999999999"]
)
def test_bad_page_numbers_give_a_page_never_an_error(factory, cb_client, value) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    audits = _audits(factory, 60)
    factory.commit()
    sign_in(cb_client, planner.username)
    soup = _soup(cb_client.get(f"/?audits_page={value}&clients_page={value}"))
    rows = _rows(soup, "audit-list")
    if value.startswith("9"):  # past the end: the last page
        assert rows == [f"/audits/{a.id}" for a in reversed(audits[:10])]
    else:
        assert rows == [f"/audits/{a.id}" for a in reversed(audits[10:])]
    assert len(_rows(soup, "organisation-list")) == 3
    org = audits[0].organisation
    assert cb_client.get(f"/organisations/{org.id}?audits_page={value}").status_code == 200


def test_auditor_pages_through_only_their_audits(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    me, other = factory.auditor(), factory.auditor()
    mine = _audits(factory, 70, lead=me)
    theirs = _audits(factory, 40, lead=other)
    shared = mine[0].organisation
    intruder = factory.audit(organisation=shared, lead=other, start=FIRST_DAY)
    factory.commit()
    sign_in(cb_client, me.username)
    first = _soup(cb_client.get("/"))
    assert "1–50 of 70 audits" in first.find(id="audits-page-pager").get_text(" ", strip=True)
    second = _soup(cb_client.get(_link(first, "audits-page-pager", "2")))
    listed = _rows(first, "audit-list") + _rows(second, "audit-list")
    assert listed == [f"/audits/{a.id}" for a in reversed(mine)]
    assert not {f"/audits/{a.id}" for a in [*theirs, intruder]} & set(listed)
    clients = _rows(first, "organisation-list")
    assert sorted(clients) == sorted({f"/organisations/{a.organisation_id}" for a in mine})
    # a client's page lists only their own audits there, not another team's
    own_there = [f"/audits/{a.id}" for a in reversed(mine) if a.organisation_id == shared.id]
    page = _soup(cb_client.get(f"/organisations/{shared.id}"))
    assert [a["href"] for a in page.select("ul.plain a")] == own_there
    # and a search never finds another team's client
    other_org = theirs[0].organisation
    found = _soup(cb_client.get("/", query_string={"q": other_org.name}))
    assert _rows(found, "organisation-list") == []
    assert found.find(id="no-clients") is not None


def test_client_search_is_case_insensitive_contains_and_paginated(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    for i in range(55):
        factory.organisation(name=f"Acme Holding {i:02d}", contact=False)
    factory.organisation(name="Brightwater Components", contact=False)
    factory.organisation(name="100% Metaal", contact=False)
    factory.organisation(name="1000 Metaal", contact=False)
    _audits(factory, 55)
    factory.commit()
    sign_in(cb_client, planner.username)

    found = _soup(cb_client.get("/?q=brightWATER"))
    assert [a.get_text() for a in found.select("#organisation-list tbody a")] == [
        "Brightwater Components"
    ]
    assert _soup(cb_client.get("/?q=water comp")).select("#organisation-list tbody a")
    percent = _soup(cb_client.get("/", query_string={"q": "100%"}))
    assert [a.get_text() for a in percent.select("#organisation-list tbody a")] == ["100% Metaal"]
    assert _rows(_soup(cb_client.get("/?q=nobody-is-called-this")), "organisation-list") == []

    # 55 matches: two pages, whose links keep the search and the audits' page
    acme = _soup(cb_client.get("/?q=acme&audits_page=2"))
    names = [a.get_text() for a in acme.select("#organisation-list tbody a")]
    assert names == [f"Acme Holding {i:02d}" for i in range(50)]
    next_url = _link(acme, "clients-page-pager", "Next ›")
    assert _args(next_url) == {"q": ["acme"], "audits_page": ["2"], "clients_page": ["2"]}
    rest = _soup(cb_client.get(next_url))
    names = [a.get_text() for a in rest.select("#organisation-list tbody a")]
    assert names == [f"Acme Holding {i:02d}" for i in range(50, 55)]
    assert len(_rows(rest, "audit-list")) == 5  # the audits stayed on their page 2
    # the audits' pager keeps the search too, and the search form the audits' page
    assert _args(_link(rest, "audits-page-pager", "1")) == {"q": ["acme"], "clients_page": ["2"]}
    kept = {i["name"]: i["value"] for i in rest.select("#client-search input[type=hidden]")}
    assert kept == {"audits_page": "2"}


def test_status_filter(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    planned = _audits(factory, 3)
    going = _audits(factory, 2, status=AuditStatus.IN_PROGRESS)
    factory.commit()
    sign_in(cb_client, planner.username)
    soup = _soup(cb_client.get("/?status=in_progress"))
    assert sorted(_rows(soup, "audit-list")) == sorted(f"/audits/{a.id}" for a in going)
    assert soup.select_one("#status option[selected]")["value"] == "in_progress"
    assert len(_rows(_soup(cb_client.get("/?status=planned")), "audit-list")) == len(planned)
    assert len(_rows(_soup(cb_client.get("/?status=bogus")), "audit-list")) == 5  # all
    none = _soup(cb_client.get("/?status=decided"))
    assert _rows(none, "audit-list") == [] and none.find(id="no-audits") is not None


def test_organisation_page_pages_its_audits(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    org = factory.organisation(contact=False)
    audits = [
        factory.audit(organisation=org, start=FIRST_DAY + timedelta(days=i)) for i in range(55)
    ]
    factory.commit()
    sign_in(cb_client, planner.username)
    first = _soup(cb_client.get(f"/organisations/{org.id}"))
    newest_first = [f"/audits/{a.id}" for a in reversed(audits)]
    assert [a["href"] for a in first.select("ul.plain a")] == newest_first[:50]
    next_url = _link(first, "audits-page-pager", "Next ›")
    assert urlsplit(next_url).path == f"/organisations/{org.id}"
    second = _soup(cb_client.get(next_url))
    assert [a["href"] for a in second.select("ul.plain a")] == newest_first[50:]


def test_a_small_client_shows_no_page_links(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    audit = factory.audit()
    factory.commit()
    sign_in(cb_client, planner.username)
    soup = _soup(cb_client.get(f"/organisations/{audit.organisation_id}"))
    assert [a["href"] for a in soup.select("ul.plain a")] == [f"/audits/{audit.id}"]
    assert soup.find(id="audits-page-pager").find("a") is None
