"""The checklist: clause tree with progress, a page of items, autosave of each item."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template, request

from auditkit.capture.answers import find_response, parse_answer, save_answer
from auditkit.capture.registers import interviewees, sampled_records
from auditkit.checklists import IntegratedQuestion
from auditkit.field.autosave import run_autosave
from auditkit.field.context import checklist_tree, dom_id, load_workspace
from auditkit.field.items import (
    ItemState,
    answered_keys,
    item_states,
    matches,
    pages,
    progress,
    walk,
)
from auditkit.models import Verdict

bp = Blueprint("checklist", __name__, url_prefix="/audits/<uuid:audit_id>")

FILTERS = {"": "All items", "unanswered": "Unanswered", "findings": "With findings"}


@bp.get("/checklist")
def page(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """One page of the clause tree, or the items matching a filter or search."""
    ws = load_workspace(audit_id)
    tree = checklist_tree(ws.audit)
    all_pages = pages(tree)
    states = item_states(ws.session, audit_id)
    answered = answered_keys(states)
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
        current = next(
            (p for p in all_pages if p.key == wanted), all_pages[0] if all_pages else None
        )
        scope = [current] if current else []
    blocks = []
    for top in scope:
        for node, depth in walk(top):
            questions = [
                q
                for q in node.iter_questions()
                if _keep(q, states.get(q.item_key), chosen_filter, words, answered)
            ]
            if questions or (current is not None and not (chosen_filter or words)):
                blocks.append((node, depth, questions))
    next_unanswered = _next_unanswered(all_pages, current, answered)
    return render_template(
        "field/checklist.html",
        audit=ws.audit,
        tree=tree,
        pages=[(p, *progress(p, answered)) for p in all_pages],
        current=current,
        blocks=blocks,
        states=states,
        filters=FILTERS,
        chosen_filter=chosen_filter,
        query=query,
        next_unanswered=next_unanswered,
        interviewees=interviewees(ws),
        records=sampled_records(ws),
        dom_id=dom_id,
        Verdict=Verdict,
    )


def _keep(
    q: IntegratedQuestion,
    state: ItemState | None,
    chosen: str,
    words: list[str],
    answered: set[str],
) -> bool:
    if chosen == "unanswered" and q.item_key in answered:
        return False
    if chosen == "findings" and not (state and state.findings):
        return False
    return matches(q, state, words) if words else True


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
