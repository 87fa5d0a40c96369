"""The report a CB sends (17021-1 9.4.8): photos with captions where they belong, actual audit
time per auditor with the remote share, the 9.4.8.3 statements, final numbers, clause details,
and the VCA result per level."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from auditkit.capture import Workspace
from auditkit.capture.activities import save_activity
from auditkit.capture.answers import parse_answer, save_answer
from auditkit.capture.closure import save_conclusion
from auditkit.capture.findings import create_finding, parse_finding
from auditkit.capture.photos import add_annotated_copy, add_photo
from auditkit.checklists import integrate
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, VCA_AUDIT_ID, demo_id
from auditkit.models import Audit, Finding, Response
from auditkit.photostore import PhotoStore
from auditkit.planning import pinned_checklists
from auditkit.reports import CBIdentity, build_report
from tests.laptop_copy import copy_audit_to_laptop

ANNA, BRAM = demo_id("user:auditor1"), demo_id("user:auditor2")
CB = CBIdentity("Example Certification B.V.")


def _jpeg(colour: str, size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _report(engine, audit_id):  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        audit = session.get(Audit, audit_id)
        tree = integrate(pinned_checklists(audit))
        return build_report(session, audit_id, CB, tree=tree, tz=UTC, now=datetime.now(UTC))


@pytest.fixture
def conducted(seeded, laptop_engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = PhotoStore(tmp_path / "laptop" / "photos")
    with make_session_factory(laptop_engine)() as session:
        ws = Workspace(session, session.get(Audit, AUDIT_ID), ANNA)
        tree = ws.tree()
        clauses = {(r.checklist_id, r.number) for n in tree.iter_nodes() for r in n.refs}
        keys = {q.item_key for q in tree.iter_questions()}
        fields = MultiDict(
            {
                "grade": "minor",
                "clause_refs": "iso9001-2015|9.2.2",
                "clause_detail": "c)",
                "requirement": "Audit results are reported to relevant management.",
                "objective_evidence": "Internal audit report IA-2026-03 was not sent to the MT.",
                "statement": "Results of internal audits are not reported to management.",
            }
        )
        finding = create_finding(
            ws, parse_finding(ws, fields, clause_numbers=clauses, item_keys=keys)
        )
        shot = add_photo(ws, store, _jpeg("orange"), finding=finding, caption="Audit report")
        add_annotated_copy(ws, store, shot, _jpeg("orange", (64, 49)))
        save_answer(
            ws, "iso9001-2015:7.2/1", parse_answer(ws, MultiDict({"verdict": "conforming"}))
        )
        item = ws.session.scalars(select(Response)).first()
        add_photo(ws, store, _jpeg("green"), response=item, caption="Training matrix on the wall")
        eindhoven = str(demo_id("site:eindhoven"))
        for who, mode, hours, ict in [
            (ANNA, "on_site", "6", ""),
            (BRAM, "remote", "2", "Video call with screen sharing"),
            (ANNA, "off_site", "1", ""),
        ]:
            save_activity(
                ws,
                MultiDict(
                    {
                        "day": "2026-12-14",
                        "auditor_id": str(who),
                        "mode": mode,
                        "site_id": eindhoven if mode != "off_site" else "",
                        "hours": hours,
                        "activity": f"{mode} work",
                        "ict": ict,
                    }
                ),
            )
        save_conclusion(
            ws,
            MultiDict(
                {
                    "recommendation": "certify_after_closure",
                    "conclusion": "Effective apart from one minor.",
                    "system_effectiveness": "effective_except_ncs",
                    "effectiveness_summary": "Processes sampled ran as planned.",
                    "internal_audit_evidence": "Programme 2026 complete; IA-2026-03 read.",
                    "management_review_evidence": "Minutes of 2026-10-02 cover all inputs.",
                    "scope_fit": "appropriate",
                    "objectives_met": "met",
                }
            ),
        )
        session.commit()
    return AUDIT_ID


def test_photos_show_with_their_finding_and_item_and_the_copy_replaces_the_original(  # type: ignore[no-untyped-def]
    conducted, laptop_engine
) -> None:
    report = _report(laptop_engine, conducted)
    (finding,) = report.findings
    assert [(p.caption, p.annotated) for p in finding.photos] == [("Audit report", True)]
    (group,) = report.item_photos
    assert group.reference == "ISO 9001:2015 7.2/1"
    assert [p.caption for p in group.photos] == ["Training matrix on the wall"]


def test_the_clause_is_cited_with_its_list_item(conducted, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    (finding,) = _report(laptop_engine, conducted).findings
    assert finding.references == ("ISO 9001:2015 9.2.2 c)",)


def test_actual_audit_time_per_auditor_with_the_remote_share_and_ict(
    conducted, laptop_engine
) -> None:  # type: ignore[no-untyped-def]
    time = _report(laptop_engine, conducted).audit_time
    assert (time.on_site, time.remote, time.off_site) == (6, 2, 1)
    assert time.remote_percent == 25 and time.off_site_percent == 11
    assert time.ict_used == ("Video call with screen sharing",)
    assert [(a.auditor, a.total) for a in time.by_auditor] == [
        ("Anna de Vries", 7),
        ("Bram Jansen", 2),
    ]


def test_the_statements_of_9_4_8_3_carry_their_evidence(conducted, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    statements = {s.key: s for s in _report(laptop_engine, conducted).statements}
    effectiveness = statements["system_effectiveness"]
    assert effectiveness.answer.startswith("Conforms and is effective, apart from")
    assert [label for label, _ in effectiveness.evidence] == [
        "Summary of the evidence for this statement",
        "Internal audits: what was seen",
        "Management review: what was seen",
    ]
    assert statements["scope_fit"].answer == "Yes, the scope is appropriate"
    assert statements["objectives_met"].answer == "Met"


def test_the_preview_shows_photos_time_statements_and_the_representative(  # type: ignore[no-untyped-def]
    conducted, field_client
) -> None:
    html = field_client.get(f"/audits/{conducted}/report/").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert [alt for _, alt in images] == ["Audit report", "Training matrix on the wall"]
    assert all(src.startswith("/photos/") and src.endswith(".jpg") for src, _ in images)
    for src, _ in images:
        assert field_client.get(src).status_code == 200
    assert "(annotated)" in html
    assert "Client's representative" in html and "Management representative" not in html
    assert 'id="time-per-auditor"' in html and "Remote auditing: 25% of the auditing time" in html
    assert "Programme 2026 complete; IA-2026-03 read." in html
    assert "ISO 9001:2015 9.2.2 c)" in html


def test_numbers_given_by_the_cb_show_without_the_provisional_wording(  # type: ignore[no-untyped-def]
    conducted, laptop_engine, field_client
) -> None:
    with laptop_engine.begin() as conn:
        conn.execute(update(Finding).values(number="F1"))
        conn.execute(update(Audit).where(Audit.id == conducted).values(number="A-2026-0042"))
    html = field_client.get(f"/audits/{conducted}/report/").get_data(as_text=True)
    assert "Audit number: A-2026-0042" in html and ">F1<" in html
    assert "provisional" not in html.split("</style>")[1].lower()
    finding_id = re.search(r'id="finding-([0-9a-f-]{36})"', html).group(1)
    page = field_client.get(f"/audits/{conducted}/findings/{uuid.UUID(finding_id)}")
    assert "Finding F1" in page.get_data(as_text=True)
    assert "provisional number" not in page.get_data(as_text=True)


@pytest.fixture
def vca_audit(seeded, server_engine, laptop_engine):  # type: ignore[no-untyped-def]
    copy_audit_to_laptop(server_engine, laptop_engine, VCA_AUDIT_ID, "auditor1")
    return VCA_AUDIT_ID


def test_vca_result_per_level_is_provisional_while_the_mapping_is_unconfirmed(  # type: ignore[no-untyped-def]
    vca_audit, laptop_engine, field_client
) -> None:
    with make_session_factory(laptop_engine)() as session:
        ws = Workspace(session, session.get(Audit, vca_audit), ANNA)
        for question in ("1.1", "1.2"):
            save_answer(
                ws, f"vca-2017:{question}", parse_answer(ws, MultiDict({"verdict": "conforming"}))
            )
        session.commit()
    (result,) = _report(laptop_engine, vca_audit).vca
    assert result.provisional and result.level_applied_for == "VCA**"
    applied = next(lv for lv in result.levels if lv.applied_for)
    assert applied.name == "VCA**" and not applied.passed and applied.unanswered_must
    html = field_client.get(f"/audits/{vca_audit}/report/").get_data(as_text=True)
    assert 'id="vca-provisional"' in html and "VCA** (applied for)" in html
    overview = field_client.get(f"/audits/{vca_audit}").get_data(as_text=True)
    assert 'id="vca-provisional"' in overview


def test_a_vca_finding_is_a_deviation_against_one_question(vca_audit, field_client) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_from

    token = csrf_from(field_client.get("/").get_data(as_text=True))
    page = field_client.get(f"/audits/{vca_audit}/findings/new?item=vca-2017:3.2")
    html = page.get_data(as_text=True)
    assert '<option value="deviation" selected>' in html and 'value="major"' not in html
    assert 'value="vca-2017|3.2" checked' in html
    chapter = field_client.post(
        f"/audits/{vca_audit}/findings/new",
        data={
            "csrf_token": token,
            "grade": "deviation",
            "clause_refs": ["vca-2017|3.2", "vca-2017|3.3"],
            "objective_evidence": "Two operators without B-VCA diploma.",
            "statement": "Not every operational worker holds B-VCA.",
        },
    )
    assert chapter.status_code == 422
    assert "exactly one VCA question" in chapter.get_data(as_text=True)
    one = field_client.post(
        f"/audits/{vca_audit}/findings/new",
        data={
            "csrf_token": token,
            "grade": "deviation",
            "clause_refs": "vca-2017|3.2",
            "objective_evidence": "Two operators without B-VCA diploma.",
            "statement": "Not every operational worker holds B-VCA.",
        },
    )
    assert one.status_code == 302
