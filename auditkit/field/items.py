"""The checklist as the auditor walks it: pages of the integrated tree, items, progress."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator
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


def item_states(
    session: Session, audit_id: uuid.UUID, item_keys: Collection[str] | None = None
) -> dict[str, ItemState]:
    """The answered or linked items of the audit (or of `item_keys`), in three queries."""
    states: dict[str, ItemState] = defaultdict(ItemState)
    query = select(Response).where(Response.audit_id == audit_id)
    if item_keys is not None:
        query = query.where(Response.item_key.in_(list(item_keys)))
    responses = session.scalars(
        query.options(selectinload(Response.interviewees), selectinload(Response.sampled_records))
    ).all()
    by_id = {}
    for response in responses:
        states[response.item_key].response = response
        by_id[response.id] = response.item_key
    links = session.execute(
        select(finding_responses.c.response_id, Finding)
        .join(Finding, Finding.id == finding_responses.c.finding_id)
        .where(
            Finding.audit_id == audit_id,
            Finding.deleted_at.is_(None),
            finding_responses.c.response_id.in_(list(by_id)),
        )
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


def answered_keys(session: Session, audit_id: uuid.UUID) -> set[str]:
    """Keys of the items that have a verdict (one light query, for progress counts)."""
    return set(
        session.scalars(
            select(Response.item_key).where(
                Response.audit_id == audit_id, Response.verdict.is_not(None)
            )
        )
    )


def linked_item_keys(session: Session, audit_id: uuid.UUID) -> set[str]:
    """Keys of the items that at least one (not deleted) finding links to."""
    return set(
        session.scalars(
            select(Response.item_key)
            .join(finding_responses, finding_responses.c.response_id == Response.id)
            .join(Finding, Finding.id == finding_responses.c.finding_id)
            .where(Response.audit_id == audit_id, Finding.deleted_at.is_(None))
        )
    )


def progress(node: IntegratedNode, answered: set[str]) -> tuple[int, int]:
    """(answered, total) items under a node."""
    keys = [q.item_key for q in questions_under(node)]
    return sum(1 for k in keys if k in answered), len(keys)


def matches(question: IntegratedQuestion, notes: str, words: list[str]) -> bool:
    """Every search word appears in the question, its guidance or the notes."""
    haystack = " ".join(
        [question.question.id, question.question.text, question.question.guidance, notes]
    ).lower()
    return all(w in haystack for w in words)
