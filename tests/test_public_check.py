"""The public certificate check (/verify and /api/public/v1), its rate limit shared by every
worker through the database, the IAF CertSearch export and `auditkit certificates`."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from auditkit import rate_limit
from auditkit.certificates import certsearch, public
from auditkit.cli import main
from auditkit.models import AuditStatus, CertificateStatus, Organisation, RateLimit

TODAY = date.today()


def _issued(factory, *, name: str = "Brightwater Metaal", listed: bool = True, **fields):  # type: ignore[no-untyped-def]
    """A client with three sites and a certificate, committed for the app to see."""
    org = factory.organisation(name=name, sites=3)
    org.public_directory = listed
    cert = factory.certificate(factory.certification(organisation=org), **fields)
    factory.commit()
    return cert


def _ids_unique(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), ids


# ---- the certificate's page and its JSON ----


def test_valid_certificate_page_shows_what_the_certificate_states(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    cert = _issued(factory, number="AK-QMS-2026-00001")
    answer = cb_client.get("/verify/AK-QMS-2026-00001")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "<script" not in html and "style=" not in html
    assert "Sign out" not in html and "Audits &amp; clients" not in html  # no staff navigation
    assert 'class="badge badge-accepted">valid<' in html
    assert "Brightwater Metaal B.V." in html and "ISO 9001:2015" in html
    for site in cert.sites:
        assert site.name in html
    assert "Set-Cookie" not in answer.headers  # nothing to remember about a passer-by
    _ids_unique(html)


def test_json_is_the_public_view(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    cert = _issued(factory, number="AK-QMS-2026-00002")
    answer = cb_client.get("/api/public/v1/certificates/AK-QMS-2026-00002")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json() == public.view(cert, TODAY)
    assert answer.get_json()["valid"] is True


@pytest.mark.parametrize(
    ("stored", "dates", "label"),
    [
        (CertificateStatus.SUSPENDED, {}, "suspended"),
        (CertificateStatus.WITHDRAWN, {}, "withdrawn"),
        (
            CertificateStatus.ACTIVE,
            {
                "effective": TODAY - timedelta(days=3 * 365 + 10),
                "expiry": TODAY - timedelta(days=1),
            },
            "expired",
        ),
    ],
)
def test_a_certificate_no_longer_valid_says_so(factory, cb_client, stored, dates, label) -> None:  # type: ignore[no-untyped-def]
    _issued(factory, number="AK-QMS-2026-00003", status=stored, **dates)
    page = cb_client.get("/verify/AK-QMS-2026-00003").get_data(as_text=True)
    assert f'class="badge badge-returned">{label}<' in page or (
        label == "suspended" and 'class="badge badge-in_progress">suspended<' in page
    )
    body = cb_client.get("/api/public/v1/certificates/AK-QMS-2026-00003").get_json()
    assert (body["status_label"], body["valid"]) == (label, False)


def test_a_superseded_revision_gives_way_to_the_current_one(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation(name="Delta Bouw", sites=1)
    certification = factory.certification(organisation=org)
    old = factory.certificate(certification, number="AK-EMS-2025-00007")
    old.is_current, old.scope = False, "Old scope text"
    new = factory.certificate(certification, number="AK-EMS-2025-00007", revision=1)
    new.scope = "New scope"
    factory.commit()
    page = cb_client.get("/verify/AK-EMS-2025-00007").get_data(as_text=True)
    assert "New scope" in page and "Old scope text" not in page
    assert "(revision 1)" in page
    body = cb_client.get("/api/public/v1/certificates/AK-EMS-2025-00007").get_json()
    assert (body["revision"], body["scope"]) == (1, "New scope")


def test_an_unknown_number_is_a_404_page_and_a_404_json(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    page = cb_client.get("/verify/AK-QMS-1999-99999")
    assert page.status_code == 404
    assert "No such certificate" in page.get_data(as_text=True)
    assert "AK-QMS-1999-99999" in page.get_data(as_text=True)
    api = cb_client.get("/api/public/v1/certificates/AK-QMS-1999-99999")
    assert api.status_code == 404
    error = api.get_json()["error"]
    assert error["code"] == "not_found" and "AK-QMS-1999-99999" in error["message"]
    assert set(api.get_json()) == {"error"}


def test_a_draft_is_not_issued_so_not_public(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    _issued(factory, number="AK-QMS-2026-00004", status=CertificateStatus.DRAFT)
    assert cb_client.get("/verify/AK-QMS-2026-00004").status_code == 404
    assert cb_client.get("/api/public/v1/certificates/AK-QMS-2026-00004").status_code == 404
    assert "AK-QMS-2026-00004" not in cb_client.get("/verify?q=Brightwater").get_data(as_text=True)


# ---- the search form ----


def test_a_number_in_the_form_goes_straight_to_its_page(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    _issued(factory, number="AK-QMS-2026-00005")
    form = cb_client.get("/verify")
    assert form.status_code == 200 and 'name="q"' in form.get_data(as_text=True)
    for typed in (" AK-QMS-2026-00005 ", "ak-qms-2026-00005"):
        answer = cb_client.get("/verify", query_string={"q": typed})
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/verify/AK-QMS-2026-00005")


def test_name_search_lists_only_the_directory_but_a_number_answers_regardless(
    factory, cb_client
) -> None:  # type: ignore[no-untyped-def]
    _issued(factory, name="Brightwater Metaal", number="AK-QMS-2026-00010")
    _issued(factory, name="Brightwater Bouw", number="AK-QMS-2026-00011", listed=False)
    found = cb_client.get("/verify", query_string={"q": "brightwater"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "AK-QMS-2026-00010" in html and "Brightwater Metaal B.V." in html
    assert "ISO 9001:2015" in html and ">valid<" in html
    assert "AK-QMS-2026-00011" not in html and "Brightwater Bouw" not in html
    _ids_unique(html)
    assert cb_client.get("/verify/AK-QMS-2026-00011").status_code == 200
    assert cb_client.get("/api/public/v1/certificates/AK-QMS-2026-00011").status_code == 200
    nothing = cb_client.get("/verify", query_string={"q": "Brightwater Bouw"})
    assert 'id="no-results"' in nothing.get_data(as_text=True)


def test_nothing_the_certificate_does_not_state_appears(factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation(name="Zeeland Chemie", sites=2)
    org.registration_number = "KVK-55501234"
    contact = org.contacts[0]
    contact.email = "quality.secret@zeeland.example"
    audit = factory.audit(organisation=org, number="AUD-SECRET-0042", status=AuditStatus.ACCEPTED)
    factory.finding(audit, statement="Calibration of the press is missing: confidential.")
    cert = factory.certificate(
        factory.certification(organisation=org),
        number="AK-QMS-2026-00020",
        status=CertificateStatus.SUSPENDED,
        status_reason="Unpaid invoice 2026-118",
    )
    factory.commit()
    answers = [
        cb_client.get("/verify/AK-QMS-2026-00020").get_data(as_text=True),
        cb_client.get("/api/public/v1/certificates/AK-QMS-2026-00020").get_data(as_text=True),
        cb_client.get("/verify", query_string={"q": "Zeeland"}).get_data(as_text=True),
    ]
    secrets = (
        contact.email,
        contact.name,
        "AUD-SECRET-0042",
        "Calibration of the press",
        "Unpaid invoice",
        "KVK-55501234",
        str(org.id),
        str(cert.id),
        str(cert.certification_id),
    )
    for text in answers:
        assert "Zeeland Chemie B.V." in text
        for secret in secrets:
            assert secret not in text


# ---- the rate limit ----


def _app(url: str, tmp_path: Path, limit: int):  # type: ignore[no-untyped-def]
    from auditkit.cb import create_app

    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "DATA_DIR": tmp_path / "server",
            "PUBLIC_RATE_LIMIT": limit,
        }
    )


def test_the_limit_is_shared_by_two_workers_on_one_database(
    factory, migrated_server_db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _issued(factory, number="AK-QMS-2026-00030")
    one = _app(migrated_server_db, tmp_path, 3).test_client()
    two = _app(migrated_server_db, tmp_path, 3).test_client()
    assert one.get("/verify/AK-QMS-2026-00030").status_code == 200
    assert two.get("/api/public/v1/certificates/AK-QMS-2026-00030").status_code == 200
    assert one.get("/verify?q=Brightwater").status_code == 200
    refused = two.get("/api/public/v1/certificates/AK-QMS-2026-00030")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests" and error["retry_after"] >= 1
    page = one.get("/verify/AK-QMS-2026-00030")
    assert page.status_code == 429 and page.headers["Retry-After"]
    assert "Too many checks" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # Another address has a count of its own.
    other = two.get("/verify/AK-QMS-2026-00030", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


def test_the_limit_can_be_turned_off(factory, migrated_server_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = _app(migrated_server_db, tmp_path, 0).test_client()
    assert all(client.get("/verify").status_code == 200 for _ in range(5))
    assert factory.session.get(RateLimit, "public:127.0.0.1") is None


def test_a_window_counts_then_starts_again(server_session) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 5, 4, 10, 0, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)

    def hit(at: datetime) -> int | None:
        wait = rate_limit.hit(server_session, "public:192.0.2.1", limit=2, window=minute, now=at)
        server_session.commit()
        return wait

    assert hit(start) is None
    assert hit(start + timedelta(seconds=10)) is None
    assert hit(start + timedelta(seconds=20)) == 40
    assert hit(start + timedelta(seconds=59, microseconds=500_000)) == 1
    assert hit(start + minute) is None  # the old window is over: counting starts again
    row = server_session.get(RateLimit, "public:192.0.2.1", populate_existing=True)
    assert (row.hits, row.window_start) == (1, start + minute)
    assert rate_limit.prune(server_session, older_than=minute, now=start + 3 * minute) == 1


def test_auditkit_db_prune_deletes_the_counts_of_windows_long_over(server_session) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    for key, age in (
        ("public:192.0.2.1", timedelta(hours=30)),
        ("public:192.0.2.2", timedelta(hours=2)),
    ):
        rate_limit.hit(server_session, key, limit=5, window=timedelta(minutes=1), now=now - age)
    server_session.commit()
    result = CliRunner().invoke(main, ["db", "prune"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Removed 1 request count of ended windows."
    server_session.expire_all()
    assert set(server_session.scalars(select(RateLimit.key))) == {"public:192.0.2.2"}
    result = CliRunner().invoke(main, ["db", "prune", "--older-than-hours", "1"])
    assert result.output.strip() == "Removed 1 request count of ended windows."
    refused = CliRunner().invoke(main, ["db", "prune", "--older-than-hours", "0"])
    assert refused.exit_code == 2 and "--older-than-hours" in refused.output


def test_two_workers_counting_at_once_lose_no_hit(migrated_server_db) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from auditkit.db import make_engine, make_session_factory

    engines = [make_engine(migrated_server_db) for _ in range(2)]  # one per "worker"
    makers = [make_session_factory(engine) for engine in engines]

    def worker(n: int) -> list[int | None]:
        waits = []
        with makers[n % 2]() as session:
            for _ in range(15):
                waits.append(
                    rate_limit.hit(session, "public:198.51.100.4", limit=20, window=timedelta(1))
                )
                session.commit()
        return waits

    try:
        with ThreadPoolExecutor(4) as pool:
            waits = [w for done in pool.map(worker, range(4)) for w in done]
        with makers[0]() as session:
            assert session.get(RateLimit, "public:198.51.100.4").hits == 60
    finally:
        for engine in engines:
            engine.dispose()
    assert waits.count(None) == 20


# ---- IAF CertSearch ----


def _export_world(factory):  # type: ignore[no-untyped-def]
    listed = _issued(
        factory, name="Brightwater Metaal", number="AK-QMS-2026-00040", accredited=True
    )
    hidden = _issued(
        factory,
        name="=HYPERLINK Bouw",
        number="AK-QMS-2026-00041",
        listed=False,
        status=CertificateStatus.SUSPENDED,
    )
    org = factory.session.get(Organisation, listed.organisation_id)
    environment = factory.certification(
        organisation=org, scheme="iso14001-2015", sector_codes=(17, 28), complexity="low"
    )
    revised = factory.certificate(environment, number="AK-EMS-2026-00042")
    first_id = revised.id
    revised.is_current = False
    factory.certificate(
        environment,
        number="AK-EMS-2026-00042",
        revision=1,
        original_date=date(2020, 3, 1),
        issue_date=date(2026, 2, 3),
    )
    factory.commit()
    return listed, hidden, first_id


def _check_rows(found: list[dict[str, str]], listed, hidden, first_id) -> None:  # type: ignore[no-untyped-def]
    by_number = {r["Certificate Number"]: r for r in found}
    assert sorted(by_number) == ["AK-EMS-2026-00042", "AK-QMS-2026-00040", "AK-QMS-2026-00041"]
    row = by_number["AK-QMS-2026-00040"]
    assert row["Certification Identity Number"] == str(listed.id)
    assert row["Certification Status"] == "Active"
    assert row["Accreditation Status"] == "Accredited"
    assert row["Certification Type"] == "Management System"
    assert row["Certification Issue Date"] == listed.issue_date.strftime("%Y%m%d")
    assert row["Certification Expiry Date"] == listed.expiry_date.strftime("%Y%m%d")
    assert row["Certified Entity Name"] == "Brightwater Metaal B.V."
    assert row["Certified Entity Unique Id"] == str(listed.organisation_id)
    assert row["Certified Entity Country"] == "NL"
    assert row["Standards"] == "ISO 9001:2015"
    assert row["Technical Sectors"] == "17"
    assert row["Confidential"] == "No"
    sites = row["Additional Certification Sites"].split("\n")
    assert len(sites) == 2 and all("Teststraat" in s and "Utrecht" in s for s in sites)
    row = by_number["AK-QMS-2026-00041"]
    assert (row["Confidential"], row["Certification Status"]) == ("Yes", "Suspended")
    assert (row["Accreditation Status"], row["Certified Entity Name"]) == (
        "Unaccredited",
        "=HYPERLINK Bouw B.V.",
    )
    row = by_number["AK-EMS-2026-00042"]
    assert row["Certification Identity Number"] == str(first_id)  # stable across revisions
    assert row["Certification Original Issue Date"] == "20200301"
    assert row["Certification Issue Date"] == "20260203"
    assert row["Technical Sectors"] == "17, 28"
    assert row["Standards"] == "ISO 14001:2015"


def test_certsearch_rows_read_back_from_excel_and_csv(factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    listed, hidden, first_id = _export_world(factory)
    found = certsearch.rows(factory.session, TODAY)
    _check_rows(found, listed, hidden, first_id)

    certsearch.write_xlsx(found, tmp_path / "certsearch.xlsx")
    sheet = load_workbook(tmp_path / "certsearch.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(certsearch.COLUMNS)
    read = [{k: v or "" for k, v in zip(values[0], row, strict=True)} for row in values[1:]]
    _check_rows(read, listed, hidden, first_id)
    names = [row[certsearch.COLUMNS.index("Certified Entity Name")] for row in sheet.iter_rows()]
    assert {cell.data_type for cell in names} == {"s"}  # "=HYPERLINK ..." is no formula

    certsearch.write_csv(found, tmp_path / "certsearch.csv")
    with open(tmp_path / "certsearch.csv", newline="", encoding="utf-8") as handle:
        _check_rows(list(csv.DictReader(handle)), listed, hidden, first_id)


# ---- `auditkit certificates` ----


def test_cli_lists_the_current_revisions(factory) -> None:  # type: ignore[no-untyped-def]
    cert = _issued(factory, number="AK-QMS-2026-00050", status=CertificateStatus.WITHDRAWN)
    result = CliRunner().invoke(main, ["certificates", "list"])
    assert result.exit_code == 0, result.output
    header, line = result.output.splitlines()
    assert header.split() == ["number", "rev", "holder", "standard", "status", "expiry"]
    assert line.startswith("AK-QMS-2026-00050  0 ")
    assert "Brightwater Metaal B.V." in line and "ISO 9001:2015" in line
    assert "withdrawn" in line and cert.expiry_date.isoformat() in line
    as_json = CliRunner().invoke(main, ["certificates", "list", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == [public.view(cert, TODAY)]


def test_cli_exports_by_the_file_extension(factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    listed, hidden, first_id = _export_world(factory)
    runner = CliRunner()
    for name in ("out.xlsx", "out.csv"):
        result = runner.invoke(
            main, ["certificates", "export", "--certsearch", "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        assert "3 certificates written" in result.output
    assert load_workbook(tmp_path / "out.xlsx").active.max_row == 4
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        _check_rows(list(csv.DictReader(handle)), listed, hidden, first_id)
    wrong = runner.invoke(main, ["certificates", "export", "--certsearch", "-o", "out.xml"])
    assert wrong.exit_code == 2 and "must end in .xlsx" in wrong.output
    assert not Path("out.xml").exists()
    unnamed = runner.invoke(main, ["certificates", "export", "-o", str(tmp_path / "x.csv")])
    assert unnamed.exit_code == 2 and "--certsearch" in unnamed.output
