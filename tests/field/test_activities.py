"""The register of audit activities: actual time per auditor, day, site, on site or remote."""

from __future__ import annotations

import re

from auditkit.demo import demo_id

EINDHOVEN = str(demo_id("site:eindhoven"))
ANNA = str(demo_id("user:auditor1"))
BRAM = str(demo_id("user:auditor2"))


def _entry(**fields: str) -> dict[str, str]:
    return {
        "day": "2026-12-14",
        "auditor_id": ANNA,
        "mode": "on_site",
        "site_id": EINDHOVEN,
        "hours": "6",
        "activity": "Opening meeting; production and final inspection",
        **fields,
    }


def test_entries_are_added_totalled_and_queued_for_sync(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.form("/time/", _entry()).status_code == 302
    remote = _entry(mode="remote", hours="2", ict="Video call with screen sharing", auditor_id=BRAM)
    assert laptop.form("/time/", remote).status_code == 302
    assert (
        laptop.form("/time/", _entry(mode="off_site", site_id="", hours="1.5")).status_code == 302
    )
    html = laptop.get("/time/").get_data(as_text=True)
    assert 'id="hours-on_site">6 h' in html
    assert 'id="hours-remote">2 h (25% of auditing)' in html
    assert 'id="hours-total">9.5 h = 1.1875 auditor-days' in html
    assert "Video call with screen sharing" in html and "Bram Jansen" in html
    names = [e.name for e in laptop.outbox()]
    assert names == ["activity.upsert.v1"] * 3
    first = laptop.outbox()[0].payload
    assert first["mode"] == "on_site" and first["hours"] == "6" and first["site_id"] == EINDHOVEN


def test_bad_entries_say_what_to_fix_and_keep_the_text(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.form(
        "/time/",
        _entry(mode="remote", hours="25", ict="", day="14-12-2026", activity="Kept text"),
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "Give a date as YYYY-MM-DD." in html
    assert "in quarters of an hour" in html
    assert "Name the ICT used" in html
    assert "Kept text" in html
    on_site_without_site = laptop.form("/time/", _entry(site_id=""))
    assert "Choose the site where this was done." in on_site_without_site.get_data(as_text=True)
    assert laptop.outbox() == []


def test_an_entry_is_edited_and_removed(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.form("/time/", _entry())
    html = laptop.get("/time/").get_data(as_text=True)
    entry = re.search(r"/time/([0-9a-f-]{36})", html).group(1)
    assert laptop.form(f"/time/{entry}", _entry(hours="7.25")).status_code == 302
    assert "7.25" in laptop.get("/time/").get_data(as_text=True)
    assert laptop.form(f"/time/{entry}/delete").status_code == 302
    assert "Nothing recorded yet." in laptop.get("/time/").get_data(as_text=True)
    names = [e.name for e in laptop.outbox()]
    assert names == ["activity.upsert.v1", "activity.upsert.v1", "activity.delete.v1"]


def test_more_than_a_fifth_off_site_is_pointed_out(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.form("/time/", _entry(hours="4"))
    laptop.form("/time/", _entry(mode="off_site", site_id="", hours="2"))
    assert 'id="off-site-note"' in laptop.get("/time/").get_data(as_text=True)
