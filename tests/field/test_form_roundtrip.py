"""Every saved form shows what was saved, on every page where it appears.

For each form: fill every field, save, reload the page and find every value in its input;
then change one field of the form as rendered and save again: the other fields must be
unchanged in the database. (The closing meeting once rendered empty on the Closing tab and
the next autosave stored the blanks over the real time and attendees.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.models import (
    AuditActivity,
    AuditClosure,
    Finding,
    Interviewee,
    Meeting,
    MeetingKind,
    Response,
    SampledRecord,
)
from tests.forms import Control, Form, fill_all, read_form

ITEM = "iso9001-2015:7.2/1"


@dataclass(frozen=True)
class Case:
    name: str
    page: Callable[[Any], str]  # laptop -> path of the page holding the form
    selector: str
    # (session, laptop) -> the saved fields, by form field name
    snapshot: Callable[[Any, Any], dict[str, Any]]
    edit: str  # the one field changed in the second save


def _meeting(kind: MeetingKind) -> Callable[[Any, Any], dict[str, Any]]:
    def snap(session, laptop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        m = session.scalars(select(Meeting).where(Meeting.kind == kind)).one()
        return {"held_at": m.held_at, "attendees": m.attendees, "notes": m.notes}

    return snap


def _response(session, laptop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = session.scalars(select(Response).where(Response.item_key == ITEM)).one()
    return {
        "verdict": r.verdict,
        "notes": r.notes,
        "justification": r.justification,
        "documents": r.documents,
        "interviewee_ids": sorted(str(i.id) for i in r.interviewees),
        "sampled_record_ids": sorted(str(s.id) for s in r.sampled_records),
    }


def _finding(session, laptop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    f = session.scalars(select(Finding)).one()
    columns = ("grade", "requirement", "objective_evidence", "statement", "extent", "process")
    return {
        **{name: getattr(f, name) for name in columns},
        "site_id": f.site_id,
        "clause_refs": sorted(f"{c.checklist_id}|{c.clause_number}" for c in f.clauses),
        "item_keys": sorted(r.item_key for r in f.responses),
        "interviewee_ids": sorted(str(i.id) for i in f.interviewees),
        "sampled_record_ids": sorted(str(s.id) for s in f.sampled_records),
    }


def _row(model, names: tuple[str, ...], id_attr: str) -> Callable[[Any, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    def snap(session, laptop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        row = session.get(model, uuid.UUID(getattr(laptop, id_attr)))
        return {name: getattr(row, name) for name in names}

    return snap


def _closure(session, laptop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    c = session.scalars(select(AuditClosure)).one()
    columns = [col.name for col in AuditClosure.__table__.columns]
    return {name: getattr(c, name) for name in columns if name not in _BOOKKEEPING}


_BOOKKEEPING = {"id", "audit_id", "version", "field_versions", "created_at", "updated_at"}

CASES = [
    Case(
        "opening meeting on its page",
        lambda lap: "/meetings/opening",
        "#meeting-opening form",
        _meeting(MeetingKind.OPENING),
        "notes",
    ),
    Case(
        "closing meeting on its page",
        lambda lap: "/meetings/closing",
        "#meeting-closing form",
        _meeting(MeetingKind.CLOSING),
        "notes",
    ),
    Case(
        "closing meeting on the Closing tab",
        lambda lap: "/closing/",
        "#meeting-closing form",
        _meeting(MeetingKind.CLOSING),
        "notes",
    ),
    Case(
        "checklist item",
        lambda lap: "/checklist?section=support.competence",
        f'article[data-item-key="{ITEM}"] form.item-form',
        _response,
        "notes",
    ),
    Case("finding", lambda lap: f"/findings/{lap.finding_id}", "#finding-form", _finding, "extent"),
    Case(
        "interviewee",
        lambda lap: f"/registers/interviewees/{lap.person_id}",
        "#interviewee-form",
        _row(Interviewee, ("name", "job_role", "department"), "person_id"),
        "department",
    ),
    Case(
        "sampled record",
        lambda lap: f"/registers/records/{lap.record_id}",
        "#record-form",
        _row(SampledRecord, ("reference", "record_type", "record_date", "reason"), "record_id"),
        "reason",
    ),
    Case("closing sections", lambda lap: "/closing/", "#conclusion form", _closure, "conclusion"),
    Case(
        "audit time entry",
        lambda lap: f"/time/{lap.activity_id}",
        "#activity-form",
        _row(
            AuditActivity,
            ("day", "auditor_id", "mode", "site_id", "hours", "activity", "ict"),
            "activity_id",
        ),
        "activity",
    ),
]


def _choose(name: str, control: Control, current: list[str]) -> list[str] | None:
    """Realistic picks where 'every option' would not be: two clauses, two items."""
    if control.kind == "multiple":
        return [o for o in control.options if o and o not in current][:2]
    if name == "verdict":
        return ["nonconformity"] if "nonconformity" not in current else ["conforming"]
    if name == "grade":
        return ["major"] if "major" not in current else ["minor"]
    if name == "hours":
        return ["3.25"] if "3.25" not in current else ["2"]
    if name == "mode":
        return ["remote"] if "remote" not in current else ["on_site"]
    if name == "recommendation":
        choices = [o for o in control.options if o not in current]
        return choices[-1:]  # the negative one: it never contradicts the findings
    return None


def _save(laptop, form: Form, data) -> None:  # type: ignore[no-untyped-def]
    data = data.copy()
    if form.htmx:
        headers = {"X-CSRF-Token": laptop.token, "HX-Request": "true"}
        reply = laptop.client.post(form.action, data=data, headers=headers)
        assert reply.status_code == 200, reply.get_data(as_text=True)
    else:
        data["csrf_token"] = laptop.token
        target = form.action or laptop.base + laptop.current_page
        reply = laptop.client.post(target, data=data)
        assert reply.status_code in (200, 302), reply.get_data(as_text=True)[:2000]


def _same(control: Control, a: list[str], b: list[str]) -> bool:
    if control.kind in ("checkbox", "multiple"):
        return sorted(a) == sorted(b)
    return a == b


@pytest.fixture
def prepared(laptop):  # type: ignore[no-untyped-def]
    """Registers entries to link, a finding to edit, and something on each form to start."""
    laptop.form("/registers/interviewees", {"name": "Piet de Boer"})
    laptop.form("/registers/interviewees", {"name": "Eva Bakker"})
    laptop.form("/registers/records", {"reference": "PO-1"})
    laptop.form("/registers/records", {"reference": "PO-2"})
    html = laptop.get("/registers/").get_data(as_text=True)
    laptop.person_id = re.findall(r"/registers/interviewees/([0-9a-f-]{36})", html)[0]
    laptop.record_id = re.findall(r"/registers/records/([0-9a-f-]{36})", html)[0]
    reply = laptop.form(
        "/findings/new",
        {
            "grade": "observation",
            "clause_refs": "iso9001-2015|7.2",
            "objective_evidence": "Seen.",
            "statement": "A remark.",
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    laptop.finding_id = uuid.UUID(reply.headers["Location"].split("/findings/")[1].split("?")[0])
    laptop.form(
        "/time/",
        {"day": "2026-12-14", "mode": "off_site", "hours": "1", "activity": "Planning"},
    )
    html = laptop.get("/time/").get_data(as_text=True)
    laptop.activity_id = re.findall(r"/time/([0-9a-f-]{36})", html)[0]
    return laptop


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_field_shows_again_and_one_edit_changes_only_that_field(  # type: ignore[no-untyped-def]
    prepared, laptop_engine, case: Case
) -> None:
    laptop = prepared
    laptop.current_page = case.page(laptop)
    page = laptop.get(laptop.current_page)
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True), case.selector)
    assert form.field_names(), f"{case.name}: the form has no fields"
    wanted = fill_all(form, choose=_choose)
    _save(laptop, form, wanted)

    shown = read_form(laptop.get(laptop.current_page).get_data(as_text=True), case.selector)
    for name in form.field_names():
        control = form.controls[name]
        assert _same(control, shown.values.getlist(name), wanted.getlist(name)), (
            f"{case.name}: {name} shows {shown.values.getlist(name)!r} "
            f"after saving {wanted.getlist(name)!r}"
        )

    sessions = make_session_factory(laptop_engine)
    with sessions() as session:
        before = case.snapshot(session, laptop)
    edited = shown.values.copy()
    edited.setlist(case.edit, [f"Only {case.edit} changed"])
    _save(laptop, shown, edited)
    with sessions() as session:
        after = case.snapshot(session, laptop)
    assert after[case.edit] != before[case.edit], f"{case.name}: the edit was not saved"
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {case.edit}, f"{case.name}: one edit also changed {changed - {case.edit}}"
