"""The checklist: clause tree with progress, a page of items, autosave of each item."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select

from auditkit.capture.answers import find_response, parse_answer, save_answer
from auditkit.capture.registers import interviewees, sampled_records
from auditkit.checklists import IntegratedQuestion
from auditkit.field.autosave import run_autosave
from auditkit.field.context import checklist_tree, dom_id, load_workspace
from auditkit.field.items import (
    ItemState,
    answered_keys,
    item_states,
    linked_item_keys,
    matches,
    pages,
    progress,
    walk,
)
from auditkit.models import Response

bp = Blueprint("checklist", __name__, url_prefix="/audits/<uuid:audit_id>")

FILTERS = {"": "All items", "unanswered": "Unanswered", "findings": "With findings"}


@bp.get("/checklist")
def page(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One page of the clause tree, or the items matching a filter or search."""
    ws = load_workspace(audit_id)
    tree = checklist_tree(ws.audit)
    all_pages = pages(tree)
    answered = answered_keys(ws.session, audit_id)
    chosen_filter = request.args.get("filter", "")
    if chosen_filter not in FILTERS:
        chosen_filter = ""
    query = request.args.get("q", "").strip()[:200]
    words = query.lower().split()
    current = None
    if chosen_filter or words:
        scope = all_pages
    else:
        wanted = request.args.get("section")
        first = all_pages[0] if all_pages else None
        current = next((p for p in all_pages if p.key == wanted), first)
        scope = [current] if current else []
    keep = _item_filter(ws, chosen_filter, words, answered)
    blocks = []
    for top in scope:
        for node, depth in walk(top):
            if node.citation_only:
                continue  # an untitled paragraph: citable in findings, no questions of its own
            questions = [q for q in node.iter_questions() if keep(q)]
            if questions or current is not None:
                blocks.append((node, depth, questions))
    shown = [q.item_key for _, _, questions in blocks for q in questions]
    return render_template(
        "field/checklist.html",
        audit=ws.audit,
        pages=[(p, *progress(p, answered)) for p in all_pages],
        current=current,
        blocks=blocks,
        states=item_states(ws.session, audit_id, shown),
        filters=FILTERS,
        chosen_filter=chosen_filter,
        query=query,
        next_unanswered=_next_unanswered(all_pages, current, answered),
        interviewees=interviewees(ws),
        signed=ws.is_signed(),
        records=sampled_records(ws),
        dom_id=dom_id,
        urls=_url_prefixes(audit_id),
    )


def _item_filter(ws, chosen: str, words: list[str], answered: set[str]):  # type: ignore[no-untyped-def]
    """A predicate for the items to show under the chosen filter and search words."""
    linked = linked_item_keys(ws.session, ws.audit.id) if chosen == "findings" else set()
    notes: dict[str, str] = {}
    if words:
        notes = dict(
            ws.session.execute(
                select(Response.item_key, Response.notes).where(Response.audit_id == ws.audit.id)
            ).all()
        )

    def keep(q: IntegratedQuestion) -> bool:
        if chosen == "unanswered" and q.item_key in answered:
            return False
        if chosen == "findings" and q.item_key not in linked:
            return False
        return matches(q, notes.get(q.item_key, ""), words) if words else True

    return keep


def _url_prefixes(audit_id: uuid.UUID) -> dict[str, str]:
    """URL prefixes an item key is appended to: url_for per item was the page's main cost."""
    marker = "__KEY__"
    save = url_for("checklist.save_item", audit_id=audit_id, item_key=marker)
    return {
        "save": save.replace(marker, ""),
        "new_finding": url_for("findings.new", audit_id=audit_id) + "?item=",
        "photos": url_for("photos.upload", audit_id=audit_id),
    }


def _next_unanswered(all_pages, current, answered):  # type: ignore[no-untyped-def]
    """The first page after the current one (wrapping) that still has unanswered items."""
    if not all_pages:
        return None
    start = all_pages.index(current) + 1 if current in all_pages else 0
    for page_node in all_pages[start:] + all_pages[:start]:
        done, total = progress(page_node, answered)
        if done < total:
            return page_node
    return None


def find_question(tree, item_key: str) -> IntegratedQuestion:  # type: ignore[no-untyped-def]
    question = next((q for q in tree.iter_questions() if q.item_key == item_key), None)
    if question is None:
        abort(404, description="This checklist item is not part of the audit.")
    return question


@bp.post("/items/<path:item_key>")
def save_item(audit_id: uuid.UUID, item_key: str):  # type: ignore[no-untyped-def]
    """Autosave one item (htmx); answers with the item's save state and any errors."""
    ws = load_workspace(audit_id)
    find_question(checklist_tree(ws.audit), item_key)
    form = request.form
    status, state = run_autosave(
        ws,
        lambda: save_answer(
            ws, item_key, parse_answer(ws, form), confirm_void=form.get("confirm_void") == "1"
        ),
    )
    item = ItemState(response=find_response(ws, item_key))
    return render_template(
        "field/_item_state.html", dom=dom_id(item_key), state=item, **state
    ), status
