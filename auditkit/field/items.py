"""The checklist as the auditor walks it: pages of the integrated tree, items, progress."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditkit.checklists import IntegratedNode, IntegratedQuestion, IntegratedTree
from auditkit.models import Finding, Photo, Response
from auditkit.models.findings import finding_responses


def pages(tree: IntegratedTree) -> list[IntegratedNode]:
    """The nodes that get a page: each top-level clause's children, or the clause itself
    when it has no children or asks questions of its own (its page then holds its subtree)."""
    result = []
    for top in tree.nodes:
        if top.question_groups or not top.children:
            result.append(top)
        else:
            result.extend(top.children)
    return result


def walk(node: IntegratedNode, depth: int = 0) -> Iterator[tuple[IntegratedNode, int]]:
    yield node, depth
    for child in node.children:
        yield from walk(child, depth + 1)


def questions_under(node: IntegratedNode) -> list[IntegratedQuestion]:
    return [q for n, _ in walk(node) for q in n.iter_questions()]


@dataclass
class ItemState:
    """What the item editor shows besides the question: the answer and what links to it."""

    response: Response | None = None
    findings: list[Finding] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)


def item_states(session: Session, audit_id: uuid.UUID) -> dict[str, ItemState]:
    """Every answered or linked item of the audit, in three queries."""
    states: dict[str, ItemState] = defaultdict(ItemState)
    responses = session.scalars(
        select(Response)
        .where(Response.audit_id == audit_id)
        .options(selectinload(Response.interviewees), selectinload(Response.sampled_records))
    ).all()
    by_id = {}
    for response in responses:
        states[response.item_key].response = response
        by_id[response.id] = response.item_key
    links = session.execute(
        select(finding_responses.c.response_id, Finding)
        .join(Finding, Finding.id == finding_responses.c.finding_id)
        .where(Finding.audit_id == audit_id, Finding.deleted_at.is_(None))
        .order_by(Finding.local_number)
    ).all()
    for response_id, finding in links:
        if response_id in by_id:
            states[by_id[response_id]].findings.append(finding)
    photos = session.scalars(
        select(Photo)
        .where(
            Photo.audit_id == audit_id, Photo.deleted_at.is_(None), Photo.response_id.is_not(None)
        )
        .order_by(Photo.created_at)
    ).all()
    for photo in photos:
        if photo.response_id in by_id:
            states[by_id[photo.response_id]].photos.append(photo)
    return states


def answered_keys(states: dict[str, ItemState]) -> set[str]:
    return {k for k, s in states.items() if s.response is not None and s.response.verdict}


def progress(node: IntegratedNode, answered: set[str]) -> tuple[int, int]:
    """(answered, total) items under a node."""
    keys = [q.item_key for q in questions_under(node)]
    return sum(1 for k in keys if k in answered), len(keys)


def matches(question: IntegratedQuestion, state: ItemState | None, words: list[str]) -> bool:
    """Every search word appears in the question, its guidance or the notes."""
    haystack = " ".join(
        [
            question.question.id,
            question.question.text,
            question.question.guidance,
            state.response.notes if state and state.response else "",
        ]
    ).lower()
    return all(w in haystack for w in words)
