from __future__ import annotations

import re

import pytest

from auditkit.models import Interviewee, Meeting


def test_opening_meeting_autosaves_and_shows_again(laptop) -> None:  # type: ignore[no-untyped-def]
    data = {
        "held_at": "2026-12-11T09:00",
        "attendees": "Eva Bakker, Quality manager\nJan Smit",
        "notes": "Scope and plan confirmed.",
    }
    reply = laptop.htmx("/meetings/opening", data)
    assert reply.status_code == 200 and "Saved" in reply.get_data(as_text=True)
    html = laptop.get("/meetings/opening").get_data(as_text=True)
    assert 'value="2026-12-11T09:00"' in html
    assert "Eva Bakker, Quality manager\nJan Smit" in html and "Scope and plan confirmed." in html
    [entry] = laptop.outbox()
    assert entry.name == "meeting.set.v1" and entry.payload["kind"] == "opening"
    assert entry.payload["attendees"] == [
        {"name": "Eva Bakker", "role": "Quality manager"},
        {"name": "Jan Smit", "role": ""},
    ]


def test_bad_meeting_time_is_refused(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx("/meetings/opening", {"held_at": "tomorrow morning"})
    assert reply.status_code == 422 and "YYYY-MM-DD HH:MM" in reply.get_data(as_text=True)
    assert laptop.count(Meeting) == 0


def test_unknown_meeting_kind_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.get("/meetings/lunch").status_code == 404


def test_registers_add_edit_link_and_remove(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.form("/registers/interviewees", {"name": "Piet de Boer", "job_role": "Welder"})
    assert reply.status_code == 302
    assert (
        laptop.form(
            "/registers/records", {"reference": "PO-2025-0412", "record_date": "2025-04-12"}
        ).status_code
        == 302
    )
    html = laptop.get("/registers/").get_data(as_text=True)
    assert "Piet de Boer" in html and "PO-2025-0412" in html
    person = re.search(r"/registers/interviewees/([0-9a-f-]{36})", html).group(1)
    saved = laptop.htmx(
        "/items/iso9001-2015:7.2/1", {"verdict": "conforming", "interviewee_ids": person}
    )
    assert saved.status_code == 200
    assert (
        laptop.form(
            f"/registers/interviewees/{person}",
            {"name": "Piet de Boer", "job_role": "Senior welder"},
        ).status_code
        == 302
    )
    assert laptop.form(f"/registers/interviewees/{person}/delete").status_code == 302
    assert laptop.count(Interviewee) == 0
    names = [e.name for e in laptop.outbox()]
    assert names == [
        "interviewee.upsert.v1",
        "sampled_record.upsert.v1",
        "answer.set.v1",
        "interviewee.upsert.v1",
        "interviewee.delete.v1",
    ]


@pytest.mark.parametrize(
    "path, data, message",
    [
        ("/registers/interviewees", {"name": ""}, "Give the person&#39;s name."),
        ("/registers/records", {"reference": "", "reason": "kept"}, "Give the record&#39;s id"),
        ("/registers/records", {"reference": "R-1", "record_date": "12/04/2025"}, "YYYY-MM-DD"),
    ],
)
def test_register_errors_keep_typed_text(laptop, path, data, message) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.form(path, data)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and message in html
    for value in data.values():
        if value:
            assert value in html


def test_unknown_register_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.form("/registers/cats", {"name": "x"}).status_code == 404
    missing = "/registers/records/00000000-0000-0000-0000-000000000000"
    assert laptop.get(missing).status_code == 404


def test_saving_the_same_meeting_time_again_changes_nothing(laptop) -> None:  # type: ignore[no-untyped-def]
    data = {"held_at": "2026-12-11T09:00", "attendees": "Eva Bakker", "notes": "n"}
    for _ in range(3):
        assert laptop.htmx("/meetings/opening", data).status_code == 200
    assert len(laptop.outbox()) == 1


def test_meeting_time_reads_back_in_local_time(laptop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        laptop.htmx("/meetings/opening", {"held_at": "2026-06-02T08:30"})
        assert 'value="2026-06-02T08:30"' in laptop.get("/meetings/opening").get_data(as_text=True)
        [entry] = laptop.outbox()
        assert entry.payload["held_at"] == "2026-06-02T06:30:00+00:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
