from __future__ import annotations

import pytest

from auditkit.models import Response

ITEM = "iso9001-2015:7.2/1"


def test_checklist_page_shows_clause_tree_with_progress(laptop) -> None:  # type: ignore[no-untyped-def]
    html = laptop.get("/checklist?section=support.competence").get_data(as_text=True)
    assert "7.2 Competence" in html
    assert 'data-item-key="iso9001-2015:7.2/1"' in html
    assert "0/3" in html  # progress of 7.2 before any answer


def test_autosave_stores_answer_and_reports_saved(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "Matrix seen"})
    assert reply.status_code == 200
    assert "Saved" in reply.get_data(as_text=True)
    html = laptop.get("/checklist?section=support.competence").get_data(as_text=True)
    assert "Matrix seen" in html and "1/3" in html
    [entry] = laptop.outbox()
    assert entry.name == "answer.set.v1" and entry.entity_id == ITEM
    assert entry.payload["verdict"] == "conforming" and entry.base_version is None


def test_unchanged_autosave_writes_nothing(laptop) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "Same"})
    assert len(laptop.outbox()) == 1


def test_edit_sends_only_changed_fields_with_base_version(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "First"})
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "Second"})
    first, second = laptop.outbox()
    assert second.base_version == 1
    assert set(second.payload) == {"item_key", "id", "notes"}


def test_not_applicable_needs_a_justification(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx(f"/items/{ITEM}", {"verdict": "not_applicable"})
    assert reply.status_code == 422
    assert "Say why this item does not apply" in reply.get_data(as_text=True)
    assert laptop.count(Response) == 0 and laptop.outbox() == []


@pytest.mark.parametrize(
    "data, message",
    [
        ({"verdict": "excellent"}, "not one of the choices"),
        ({"verdict": "conforming", "interviewee_ids": "not-a-uuid"}, "not valid"),
        (
            {"verdict": "conforming", "interviewee_ids": "6f1c7a52-4c1e-4a51-9a57-0d5c3b1e2a10"},
            "no longer exists",
        ),
        ({"notes": "x" * 20001}, "the limit is 20000"),
    ],
)
def test_bad_item_input_is_refused_with_a_reason(laptop, data, message) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.htmx(f"/items/{ITEM}", data)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    assert laptop.outbox() == []


def test_unknown_item_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.htmx("/items/iso9001-2015:99.9/1", {"verdict": "conforming"}).status_code == 404


def test_item_save_without_csrf_token_is_refused(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = laptop.client.post(laptop.base + f"/items/{ITEM}", data={"verdict": "conforming"})
    assert reply.status_code == 400 and laptop.outbox() == []


def test_filters_and_search(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming", "notes": "zanzibar certificates"})
    unanswered = laptop.get("/checklist?filter=unanswered").get_data(as_text=True)
    assert f'data-item-key="{ITEM}"' not in unanswered
    assert 'data-item-key="iso9001-2015:7.2/2"' in unanswered
    found = laptop.get("/checklist?q=zanzibar").get_data(as_text=True)
    assert found.count('class="item"') == 1 and f'data-item-key="{ITEM}"' in found
    none = laptop.get("/checklist?filter=findings").get_data(as_text=True)
    assert "No items match" in none


def test_next_unanswered_link_skips_finished_pages(laptop) -> None:  # type: ignore[no-untyped-def]
    html = laptop.get("/checklist?section=context.organization").get_data(as_text=True)
    assert 'id="next-unanswered"' in html and "section=context.interested-parties" in html


def test_workspace_overview_shows_progress_and_findings(laptop) -> None:  # type: ignore[no-untyped-def]
    laptop.htmx(f"/items/{ITEM}", {"verdict": "conforming"})
    html = laptop.get("").get_data(as_text=True)
    assert "1 of 141" in html
    home = laptop.client.get("/").get_data(as_text=True)
    assert "1 / 141" in home and "1 change" in home
