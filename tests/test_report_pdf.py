"""Issue 13 item 3: the finding report as a PDF, from the same template on the laptop and on the
server, offline, photos embedded; `auditkit report AUDIT -o FILE.pdf`; a download on both sides.

The PDFs are read back with pypdf. WeasyPrint and Pango must load here (CI installs Pango): only
`pdf_available` is ever replaced (monkeypatched), since a machine without Pango is the one case
no test here can reach.
"""

from __future__ import annotations

import gc
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from auditkit.capture import Workspace
from auditkit.capture.answers import AnswerInput, save_answer
from auditkit.capture.findings import FindingInput, create_finding
from auditkit.capture.photos import add_annotated_copy, add_photo
from auditkit.cli import main
from auditkit.db import make_session_factory
from auditkit.demo import demo_id
from auditkit.models import Audit, AuditTeamMember, Grade, Role, TeamRole, Verdict
from auditkit.photostore import PhotoStore
from auditkit.print_copies import PRINT_LONG_EDGE
from auditkit.reports import pdf
from tests.helpers import sign_in

CB_NAME = "Example Certification B.V."
LEAD = demo_id("user:auditor1")
PHOTO_SIZE = (2400, 1800)  # stored at 2000 px on the long edge, embedded at 1000 px


@pytest.fixture(autouse=True)
def cb_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITKIT_CB_NAME", CB_NAME)


def camera_jpeg(seed: int, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A photo-sized JPEG, distinct per seed (so each is its own stored photo)."""
    small = (size[0] // 16, size[1] // 16)
    channels = (
        Image.linear_gradient("L").resize(small),
        Image.radial_gradient("L").resize(small),
        Image.new("L", small, seed * 53 % 256),
    )
    image = Image.merge("RGB", channels).rotate(seed * 29).resize(size)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass(frozen=True)
class Expected:
    """What the report of the audit must show."""

    audit_id: uuid.UUID
    findings: list[tuple[str, str]]  # (number, statement)
    photos: int  # as the report shows them (an annotated copy stands in for its original)


FINDINGS = [
    (Grade.MAJOR, "7.1.5.2", "Measuring equipment used for release is not calibrated."),
    (Grade.MINOR, "7.2", "Competence of one of the four welders sampled was not demonstrated."),
    (Grade.OBSERVATION, "9.2.2", "Internal audit reports reach the management team late."),
]


@pytest.fixture
def on_laptop(seeded, laptop_engine, tmp_path: Path) -> Expected:  # type: ignore[no-untyped-def]
    """The demo audit on the demo laptop with three findings, each with a photo (one of them
    annotated), and a photo at a checklist item."""
    store = PhotoStore(tmp_path / "laptop" / "photos")
    with make_session_factory(laptop_engine)() as session:
        ws = Workspace(session, session.get(Audit, seeded), LEAD)
        response = save_answer(
            ws,
            "iso9001-2015:7.2/1",
            AnswerInput(Verdict.CONFORMING, "Matrix seen.", "", [], [], []),
        )
        for n, (grade, clause, statement) in enumerate(FINDINGS):
            finding = create_finding(
                ws,
                FindingInput(
                    grade, [("iso9001-2015", clause)], "The requirement.", "Records seen.",
                    statement, "", None, "", [], [], [],
                ),
            )  # fmt: skip
            shot = add_photo(ws, store, camera_jpeg(n), finding=finding, caption=f"Evidence {n}")
            if n == 0:
                add_annotated_copy(ws, store, shot, camera_jpeg(10))
        add_photo(ws, store, camera_jpeg(20), response=response, caption="Training matrix")
        session.commit()
    numbers = ["P1", "P2", "P3"]  # provisional on the laptop, in the order raised
    return Expected(seeded, [(numbers[i], s) for i, (_, _, s) in enumerate(FINDINGS)], photos=4)


@pytest.fixture
def on_server(factory, cb_app) -> Expected:  # type: ignore[no-untyped-def]
    """A synced audit on the server: three numbered findings with photos in the blob store."""
    store = PhotoStore(Path(cb_app.config["DATA_DIR"]) / "blobs")
    audit = factory.audit(lead=factory.auditor())
    expected = []
    for n, (grade, clause, statement) in enumerate(FINDINGS):
        number = f"NC-{n + 1}"
        finding = factory.finding(
            audit, grade=grade, clause=("iso9001-2015", clause), number=number, statement=statement
        )
        factory.photo(audit, finding=finding, store=store, image=camera_jpeg(30 + n))
        expected.append((number, statement))
    factory.commit()
    return Expected(audit.id, expected, photos=len(FINDINGS))


# ---- reading a PDF back ----


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def images(reader: PdfReader) -> list[tuple[int, int]]:
    """(width, height) of each distinct image XObject, also those inside form XObjects."""
    found: dict[int, tuple[int, int]] = {}
    forms: set[int] = set()

    def walk(resources) -> None:  # type: ignore[no-untyped-def]
        for ref in ((resources or {}).get("/XObject") or {}).values():
            obj = ref.get_object()
            key = ref.idnum if isinstance(ref, IndirectObject) else id(obj)
            if obj.get("/Subtype") == "/Image":
                found[key] = (int(obj["/Width"]), int(obj["/Height"]))
            elif obj.get("/Subtype") == "/Form" and key not in forms:
                forms.add(key)
                walk(obj.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return list(found.values())


def placed_texts(reader: PdfReader) -> list[tuple[int, str, float, float]]:
    """(page index, text, x, y) of every piece of text drawn, in PDF points."""
    placed: list[tuple[int, str, float, float]] = []
    for index, page in enumerate(reader.pages):

        def visit(text, cm, tm, font, size, index=index) -> None:  # type: ignore[no-untyped-def]
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                placed.append((index, text.strip(), x, y))

        page.extract_text(visitor_text=visit)
    return placed


def check_report(data: bytes, expected: Expected) -> None:
    reader = read(data)
    texts = page_texts(reader)
    whole = " ".join(texts)
    for number, statement in expected.findings:
        assert re.search(rf"\b{re.escape(number)}\b", whole), number
        assert statement in whole, statement
    assert 2 <= len(reader.pages) <= 15
    assert all(CB_NAME in text for text in texts)
    assert f"Page 1 of {len(reader.pages)}" in texts[0]
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in texts[-1]
    embedded = images(reader)
    assert len(embedded) == expected.photos
    assert all(max(size) <= PRINT_LONG_EDGE for size in embedded), embedded


# ---- the laptop ----


def test_the_laptop_pdf_holds_every_finding_and_photo_and_names_the_cb_on_every_page(  # type: ignore[no-untyped-def]
    on_laptop, field_client
) -> None:
    answer = field_client.get(f"/audits/{on_laptop.audit_id}/report.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    check_report(answer.data, on_laptop)


def test_each_label_of_a_finding_stands_on_the_line_of_its_value(  # type: ignore[no-untyped-def]
    on_laptop, field_client
) -> None:
    # In print the labels are out of the flow (position: absolute where they stand): each must
    # still sit on the first line of its own value, to its left, never on another's line.
    placed = placed_texts(read(field_client.get(f"/audits/{on_laptop.audit_id}/report.pdf").data))
    pairs = [("Requirement", "The requirement."), ("Objective evidence", "Records seen.")]
    pairs += [("Nonconformity", statement) for _, statement in on_laptop.findings[:2]]
    pairs += [("Finding", on_laptop.findings[2][1])]
    for label, value in pairs:
        values = [(page, x, y) for page, text, x, y in placed if text.startswith(value)]
        assert values, value
        for page, x, y in values:
            beside = [
                (lx, ly)
                for lpage, text, lx, ly in placed
                if lpage == page and text == label and abs(ly - y) < 0.5
            ]
            assert beside and all(lx < x - 50 for lx, _ in beside), (label, value)


def test_the_preview_links_to_its_pdf(on_laptop, field_client) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get(f"/audits/{on_laptop.audit_id}/report/").get_data(as_text=True)
    assert f'href="/audits/{on_laptop.audit_id}/report.pdf"' in html
    assert "Download PDF" in html


def test_without_pango_the_preview_says_so_and_points_to_the_browsers_print(  # type: ignore[no-untyped-def]
    on_laptop, field_client, monkeypatch
) -> None:
    monkeypatch.setattr(pdf, "pdf_available", lambda: (False, pdf.NOT_AVAILABLE))
    html = field_client.get(f"/audits/{on_laptop.audit_id}/report/").get_data(as_text=True)
    assert "Download PDF" not in html and "report.pdf" not in html
    assert pdf.NOT_AVAILABLE.replace("'", "&#39;") in html
    assert "Print (Ctrl+P" in pdf.NOT_AVAILABLE
    answer = field_client.get(f"/audits/{on_laptop.audit_id}/report.pdf")
    assert answer.status_code == 503


def test_the_pdf_of_an_audit_not_on_this_laptop_is_404(seeded, field_client) -> None:  # type: ignore[no-untyped-def]
    assert field_client.get(f"/audits/{uuid.uuid4()}/report.pdf").status_code == 404


def test_the_cli_writes_the_pdf_by_id_and_by_number(on_laptop, laptop_engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(on_laptop.audit_id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.stdout
    check_report(target.read_bytes(), on_laptop)
    with make_session_factory(laptop_engine).begin() as session:
        session.get(Audit, on_laptop.audit_id).number = "A2026-0042"  # as the CB numbered it
    again = tmp_path / "again.pdf"
    result = CliRunner().invoke(main, ["report", "A2026-0042", "--output", str(again)])
    assert result.exit_code == 0, result.output
    assert read(again.read_bytes()).pages


def test_the_cli_refuses_an_audit_this_laptop_does_not_have(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", "A1999-0001", "-o", str(target)])
    assert result.exit_code == 1
    assert "There is no audit A1999-0001 on this laptop" in result.stderr
    assert not target.exists()


def test_without_pango_the_cli_exits_2_with_the_sentence(on_laptop, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf, "pdf_available", lambda: (False, pdf.NOT_AVAILABLE))
    target = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(on_laptop.audit_id), "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr.strip() == pdf.NOT_AVAILABLE
    assert not target.exists()


def test_a_photo_not_on_this_laptop_leaves_its_caption_and_is_named(on_laptop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "laptop" / "photos"
    removed = next(photos.rglob("*.thumb.jpg")).name.removesuffix(".thumb.jpg")
    PhotoStore(photos).remove(removed)  # as before a teammate's photo is downloaded
    target = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(on_laptop.audit_id), "-o", str(target)])
    embedded = images(read(target.read_bytes()))
    assert result.exit_code == 0, result.output
    assert "1 photo(s) are not on this laptop yet" in result.stderr
    # The removed file may be the annotated copy's original, which the report does not show.
    assert len(embedded) in (on_laptop.photos, on_laptop.photos - 1)


# ---- the server ----


def test_the_server_pdf_holds_every_finding_and_photo(on_server, cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, reviewer.username).status_code == 302
    answer = client.get(f"/audits/{on_server.audit_id}/report.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert 'filename="audit-report-' in answer.headers["Content-Disposition"]
    check_report(answer.data, on_server)


def test_the_server_pdf_is_for_whoever_may_see_the_audit(on_server, cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    member, outsider = factory.auditor(), factory.auditor()
    audit = factory.session.get(Audit, on_server.audit_id)
    audit.team.append(AuditTeamMember(user=member, role=TeamRole.AUDITOR))
    factory.commit()
    for person, status in ((member, 200), (outsider, 404)):
        client = cb_app.test_client()
        assert sign_in(client, person.username).status_code == 302
        assert client.get(f"/audits/{on_server.audit_id}/report.pdf").status_code == status


# ---- the renderer ----


def test_the_fetcher_serves_only_this_computers_photos(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from auditkit.photos import normalize

    store = PhotoStore(tmp_path / "photos")
    stored = normalize(camera_jpeg(1))
    store.put(stored.jpeg, stored.sha256)
    fetch = pdf.PhotoFetcher(store)
    data, mime_type = fetch(pdf.photo_url(stored.sha256))
    assert mime_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(data)).size) == PRINT_LONG_EDGE < len(stored.jpeg)
    for url in (
        "http://example.org/photo.jpg",
        "https://example.org/photo.jpg",
        f"file://{store.path(stored.sha256)}",
        "data:image/png;base64,iVBORw0KGgo=",
        "photo:../../etc/passwd",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetch(url)
    with pytest.raises(FileNotFoundError):
        fetch(pdf.photo_url("0" * 64))
    assert fetch.missing == ["0" * 64]


def test_every_load_goes_through_the_fetcher_which_refuses_the_network() -> None:
    asked: list[str] = []

    def refuse(url: str) -> pdf.Fetched:
        asked.append(url)
        raise pdf.RefusedURL(url)

    html = (
        '<!doctype html><html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '</head><body><p>Offline</p><img src="http://127.0.0.1:9/x.jpg" alt="remote"></body></html>'
    )
    data = pdf.render_pdf(html, base_url=None, url_fetcher=refuse)
    assert sorted(asked) == ["http://127.0.0.1:9/x.css", "http://127.0.0.1:9/x.jpg"]
    reader = read(data)
    assert "Offline" in reader.pages[0].extract_text()
    assert images(reader) == []


def test_the_garbage_collector_rests_during_a_render_and_is_restored_after() -> None:
    seen: list[bool] = []

    def fetch(url: str) -> pdf.Fetched:
        seen.append(gc.isenabled())
        raise pdf.RefusedURL(url)

    html = '<!doctype html><p>Paused</p><img src="http://127.0.0.1:9/x.jpg" alt="x">'
    assert gc.isenabled()
    assert read(pdf.render_pdf(html, base_url=None, url_fetcher=fetch)).pages
    assert seen == [False] and gc.isenabled()
    gc.disable()  # someone else's choice stays as it was
    try:
        pdf.render_pdf(html, base_url=None, url_fetcher=fetch)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pdf_available_names_weasyprint_and_pango() -> None:
    available, detail = pdf.pdf_available()
    assert available and detail.startswith("WeasyPrint ") and " with Pango " in detail


def test_the_file_name_is_the_audit_number() -> None:
    audit_id = uuid.uuid4()
    assert pdf.report_filename("A2026-0001", audit_id) == "audit-report-A2026-0001.pdf"
    assert pdf.report_filename(None, audit_id) == f"audit-report-{audit_id}.pdf"
    assert pdf.report_filename('A 2026/01"', audit_id) == "audit-report-A-2026-01.pdf"
