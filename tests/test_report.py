"""The audit report: what it contains (DOMAIN.md 1.8) and the field app's printable preview."""

from __future__ import annotations

import io
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine
from werkzeug.datastructures import MultiDict

from auditkit.capture import Workspace
from auditkit.capture.answers import parse_answer, save_answer
from auditkit.capture.closure import save_conclusion, sign_off
from auditkit.capture.findings import create_finding, delete_finding, parse_finding
from auditkit.capture.meetings import parse_meeting, save_meeting
from auditkit.capture.photos import add_photo
from auditkit.capture.registers import save_interviewee, save_sampled_record
from auditkit.checklists import integrate
from auditkit.config import cb_identity
from auditkit.db import make_session_factory
from auditkit.demo import demo_id
from auditkit.models import Audit, Grade, MeetingKind, Recommendation
from auditkit.photostore import PhotoStore
from auditkit.planning import pin_checklists, pinned_checklists
from auditkit.reports import AuditNotFound, AuditReport, CBIdentity, build_report

LEAD = demo_id("user:auditor1")
CB = CBIdentity(
    "Example Certification B.V.", "Stationsplein 1\nUtrecht", "Accredited by RvA, C 000"
)
NOW = datetime(2026, 12, 12, 16, 30, tzinfo=UTC)
SECTION_HEADINGS = [
    "1. Certification body",
    "2. Client",
    "3. Audit type",
    "4. Audit criteria",
    "5. Audit objectives",
    "6. Audit scope and audit time",
    "7. Dates, sites and audit time",
    "8. Audit team",
    "9. Opening and closing meetings",
    "10. Summary of findings",
    "11. Findings and objective evidence",
    "12. Checklist coverage",
    "13. Interviewees and sampled records",
    "14. Deviations, issues and changes",
    "15. The management system: conformity, effectiveness, scope, objectives",
    "16. Audit conclusion and recommendation",
    "17. Sampling and the certification decision",
    "18. Sign-off",
]


def form(**fields: str | list[str]) -> MultiDict:
    """Form data as a browser sends it (a list value is a repeated field)."""
    return MultiDict(fields)


def _tree(audit: Audit):  # type: ignore[no-untyped-def]
    return integrate(pinned_checklists(audit))


def _finding(ws: Workspace, **fields: str | list[str]):  # type: ignore[no-untyped-def]
    tree = _tree(ws.audit)
    clauses = {(r.checklist_id, r.number) for n in tree.iter_nodes() for r in n.refs}
    keys = {q.item_key for q in tree.iter_questions()}
    data = parse_finding(ws, form(**fields), clause_numbers=clauses, item_keys=keys)
    return create_finding(ws, data)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def record_audit(engine: Engine, audit_id: uuid.UUID, photos_dir: Path) -> None:
    """Conduct the demo audit through the capture functions, as the field app does."""
    with make_session_factory(engine)() as session:
        ws = Workspace(session, session.get(Audit, audit_id), LEAD)
        person = save_interviewee(
            ws, form(name="Joris Smit", job_role="Calibration technician", department="Lab")
        )
        record = save_sampled_record(
            ws,
            form(
                reference="CAL-2025-014",
                record_type="Calibration certificate",
                record_date="2025-03-02",
                reason="Caliper used for final inspection",
            ),
        )
        for key, answer in [
            ("iso9001-2015:7.2/1", {"verdict": "conforming", "notes": "Training matrix seen."}),
            ("iso9001-2015:7.1.5.2/1", {"verdict": "nonconformity"}),
            (
                "iso9001-2015:8.5.3/1",
                {"verdict": "not_applicable", "justification": "No customer property is held."},
            ),
        ]:
            save_answer(ws, key, parse_answer(ws, MultiDict(answer)))
        minor = _finding(
            ws,
            grade="minor",
            clause_refs=["iso9001-2015|7.2"],
            requirement="Competence of people doing work under its control is ensured.",
            objective_evidence="Training record of 1 of 4 welders missing.",
            statement="Competence of one welder was not demonstrated.",
            extent="1 of 4 sampled",
            interviewee_ids=[str(person.id)],
        )
        major = _finding(
            ws,
            grade="major",
            clause_refs=["iso9001-2015|7.1.5.2"],
            requirement="Measuring equipment is calibrated at specified intervals.",
            objective_evidence="Caliper #C-17 calibration expired 2024-11; used daily.",
            statement="Measuring equipment used for release is not calibrated.",
            site_id=str(demo_id("site:eindhoven")),
            process="Final inspection",
            sampled_record_ids=[str(record.id)],
        )
        dropped = _finding(
            ws,
            grade="observation",
            clause_refs=["iso9001-2015|7.2"],
            objective_evidence="x",
            statement="Raised by mistake.",
        )
        delete_finding(ws, dropped)
        add_photo(ws, PhotoStore(photos_dir), _jpeg(), finding=major, caption="Caliper label")
        for kind, attendees in [
            (MeetingKind.OPENING, "Eva Bakker, Quality manager\nAnna de Vries, Lead auditor"),
            (MeetingKind.CLOSING, "Eva Bakker, Quality manager\nPieter de Boer"),
        ]:
            fields = form(held_at="2026-12-11T09:00", attendees=attendees, notes="")
            save_meeting(ws, kind, parse_meeting(fields))
        save_conclusion(
            ws,
            form(
                recommendation="certify_after_closure",
                conclusion="The QMS is largely effective.",
                plan_deviations="The Tilburg visit moved to day 2 (traffic).",
            ),
        )
        sign_off(ws, accept_gaps=True)
        assert minor.local_number == 1 and major.local_number == 2
        session.commit()


@pytest.fixture
def recorded(seeded, laptop_engine: Engine, tmp_path: Path) -> uuid.UUID:  # type: ignore[no-untyped-def]
    record_audit(laptop_engine, seeded, tmp_path / "laptop" / "photos")
    return seeded


def report_of(engine: Engine, audit_id: uuid.UUID) -> AuditReport:
    with make_session_factory(engine)() as session:
        audit = session.get(Audit, audit_id)
        return build_report(session, audit_id, CB, tree=_tree(audit), tz=UTC, now=NOW)


def test_report_identifies_cb_client_and_representative(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert report.cb == CB
    assert report.client.legal_name == "Brightwater Components B.V."
    assert report.client.address == "Kanaaldijk 12, Eindhoven, NL"
    assert report.client.representative is not None
    assert report.client.representative.name == "Eva Bakker"
    assert report.client.representative.role == "Quality manager"


def test_report_states_type_criteria_scope_time_and_team(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert report.audit_type_label == "Stage 2"
    assert report.integration is None
    assert [c.label for c in report.criteria] == ["ISO 9001:2015 + Amd 1:2024"]
    assert "QMS documentation" in report.criteria_notes
    assert report.scope.startswith("Design, machining")
    assert report.planned_days == 4 and report.remote_use == "none"
    assert [s.name for s in report.sites] == [
        "Eindhoven head office and plant",
        "Tilburg warehouse",
    ]
    assert [(p.name, p.role) for p in report.team] == [
        ("Anna de Vries", "Lead auditor"),
        ("Bram Jansen", "Auditor"),
    ]


def test_findings_are_ordered_by_severity_with_provisional_numbers(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert [(f.number, f.grade) for f in report.findings] == [
        ("P2", Grade.MAJOR),
        ("P1", Grade.MINOR),
    ]
    major, minor = report.findings
    assert major.provisional and major.grade_label == "Major nonconformity"
    assert major.references == ("ISO 9001:2015 7.1.5.2",)
    assert major.clauses[0].title == "Measurement traceability"
    assert major.site == "Eindhoven head office and plant"
    assert major.process == "Final inspection"
    assert major.records == ("CAL-2025-014 (Calibration certificate, 2025-03-02)",)
    assert major.photo_count == 1
    assert minor.references == ("ISO 9001:2015 7.2",)
    assert minor.interviewees == ("Joris Smit (Calibration technician, Lab)",)
    assert minor.extent == "1 of 4 sampled" and minor.photo_count == 0


def test_deleted_findings_stay_out_and_grades_are_counted(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert all(f.statement != "Raised by mistake." for f in report.findings)
    counts = {c.grade: c.count for c in report.grade_counts}
    assert counts == {
        Grade.MAJOR: 1,
        Grade.MINOR: 1,
        Grade.OBSERVATION: 0,
        Grade.OFI: 0,
        Grade.POSITIVE: 0,
    }
    assert report.nonconformities == 2


def test_coverage_counts_answers_and_lists_not_applicable_items(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    (row,) = report.coverage
    assert row.label == "ISO 9001:2015" and row.total == 141 and row.answered == 3
    by_verdict = dict(zip(report.verdict_labels, row.by_verdict, strict=True))
    assert by_verdict["Conforming"] == 1
    assert by_verdict["Nonconformity"] == 1
    assert by_verdict["Not applicable"] == 1
    (na,) = report.not_applicable
    assert na.reference == "ISO 9001:2015 8.5.3"
    assert na.justification == "No customer property is held."


def test_registers_meetings_closure_and_sign_off(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert [i.name for i in report.interviewees] == ["Joris Smit"]
    assert [r.reference for r in report.records] == ["CAL-2025-014"]
    opening, closing = report.meetings
    assert opening.label == "Opening meeting" and opening.held_at is not None
    assert [a.name for a in closing.attendees] == ["Eva Bakker", "Pieter de Boer"]
    texts = {s.key: s.text for s in report.sections}
    assert texts["plan_deviations"] == "The Tilburg visit moved to day 2 (traffic)."
    assert texts["unresolved_issues"] == "None." and texts["marks_use"] == "None."
    assert "conclusion" not in texts and report.conclusion == "The QMS is largely effective."
    assert report.recommendation == Recommendation.CERTIFY_AFTER_CLOSURE
    assert report.recommendation_label.startswith("Recommend granting certification once majors")
    assert report.sign_off.signed and report.sign_off.lead_name == "Anna de Vries"
    assert report.sign_off.content_matches is True
    assert len(report.sign_off.content_sha256 or "") == 64


def test_report_carries_sampling_disclaimer_and_decision_statement(recorded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    report = report_of(laptop_engine, recorded)
    assert "sample" in report.disclaimer and "may therefore" in report.disclaimer
    assert "not part of the audit team" in report.decision_statement
    assert report.generated_at == NOW


def test_integrated_audit_is_named_and_covered_per_standard(seeded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(laptop_engine)() as session:
        pin_checklists(session, session.get(Audit, seeded), ["iso9001-2015", "iso14001-2015"])
        session.commit()
    report = report_of(laptop_engine, seeded)
    assert report.integration == "Integrated audit of ISO 9001:2015 and ISO 14001:2015"
    assert [row.label for row in report.coverage] == [
        "ISO 9001:2015",
        "ISO 14001:2015",
        "All standards",
    ]
    assert report.coverage[-1].total == report.coverage[0].total + report.coverage[1].total


def test_unknown_audit_is_refused(laptop_engine) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(laptop_engine)() as session, pytest.raises(AuditNotFound):
        build_report(session, uuid.uuid4(), CB, tree=integrate([]))


def test_cb_identity_comes_from_the_environment() -> None:
    assert cb_identity({}) == CBIdentity("auditkit demo certification body", "", "")
    env = {
        "AUDITKIT_CB_NAME": "Example CB",
        "AUDITKIT_CB_ADDRESS": "Stationsplein 1, Utrecht",
        "AUDITKIT_CB_ACCREDITATION": "Accredited by RvA, registration C 000",
    }
    assert cb_identity(env) == CBIdentity(
        "Example CB", "Stationsplein 1, Utrecht", "Accredited by RvA, registration C 000"
    )


# The preview in the field app


def test_preview_shows_every_section_and_the_findings(recorded, field_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUDITKIT_CB_NAME", "Example Certification B.V.")
    page = field_client.get(f"/audits/{recorded}/report/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in SECTION_HEADINGS:
        assert f"<h2>{heading}</h2>" in html
    assert "Example Certification B.V." in html
    assert "Eva Bakker, Quality manager" in html
    assert html.index(">P2<") < html.index(">P1<")  # the major first
    assert "Measuring equipment used for release is not calibrated." in html
    assert "ISO 9001:2015 7.1.5.2 Measurement traceability" in html
    assert "No customer property is held." in html
    assert "Recommend granting certification once majors are verified closed" in html
    assert "Nonconformities may therefore exist" in html
    assert "Raised by mistake." not in html
    assert 'href="/audits/' in html and "Back to the audit" in html


def test_preview_allows_only_its_own_style_block(recorded, field_client) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get(f"/audits/{recorded}/report/")
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'<style nonce="{nonce.group(1)}">' in page.get_data(as_text=True)
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy


def test_preview_loads_nothing_from_elsewhere(recorded, field_client) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get(f"/audits/{recorded}/report/").get_data(as_text=True)
    links = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html)
    assert links, "expected at least the back link"
    assert not [u for u in links if re.match(r"(?i)(https?:)?//", u)]
    assert "<script" not in html and "@import" not in html and "url(" not in html


def test_preview_ids_are_unique(recorded, field_client) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get(f"/audits/{recorded}/report/").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []


def test_preview_of_an_empty_audit_still_renders(seeded, field_client) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get(f"/audits/{seeded}/report/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No findings" in html and "Not yet signed." in html
    assert "Draft: not yet signed" in html


def test_preview_of_unknown_audit_is_404(seeded, field_client) -> None:  # type: ignore[no-untyped-def]
    assert field_client.get(f"/audits/{uuid.uuid4()}/report/").status_code == 404
