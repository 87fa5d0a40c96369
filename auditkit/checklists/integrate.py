"""Integrated audits: several checklists merged into one clause tree.

Clauses that share a harmonized-structure key (`hs`) at the same tree position become one node that
knows its number and title in each standard (continual improvement: 10.3 in ISO 9001, 10.1 in
ISO/IEC 27001) and holds each standard's questions. Clauses without a shared key stay on their own.

Order: the first checklist's order. A node that only a later checklist has goes right after the node
holding its preceding sibling in that checklist (45001 5.4 after the shared 5.3; 27001 Annex A after
clause 10); nodes inserted there earlier by other later checklists stay before it, so the result
follows the order of `checklists`. The merge is a pure function of its input: deterministic.

A paragraph a standard numbers without a title (ISO 9001 9.2.2) is a node too, so that a finding can
cite it; where no standard asks questions there, the node is `citation_only`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from auditkit.checklists.model import Checklist, Clause, Question, make_item_key


@dataclass(frozen=True)
class ClauseRef:
    """A clause of one checklist: where a merged node sits in that standard."""

    checklist_id: str
    number: str
    title: str  # "" when untitled
    untitled: bool = False

    @property
    def label(self) -> str:
        """`9.2.2 Internal audit programme`, or just `9.2.2` for an untitled paragraph."""
        return f"{self.number} {self.title}" if self.title else self.number


@dataclass(frozen=True)
class IntegratedQuestion:
    """A question tagged with its checklist, so its answer lands on the right audit item."""

    checklist_id: str
    item_key: str
    clause_number: str
    question: Question


@dataclass(frozen=True)
class QuestionGroup:
    """The questions one checklist asks at a merged node."""

    checklist_id: str
    clause_number: str
    questions: tuple[IntegratedQuestion, ...]


@dataclass(frozen=True)
class IntegratedNode:
    """One clause of the integrated tree, possibly shared by several standards."""

    key: str  # the hs key, or "<checklist id>:<number>" for a standard-specific clause
    hs: str | None
    refs: tuple[ClauseRef, ...]
    children: tuple[IntegratedNode, ...] = ()
    question_groups: tuple[QuestionGroup, ...] = ()

    @property
    def numbers(self) -> dict[str, str]:
        """The clause number per checklist id."""
        return {ref.checklist_id: ref.number for ref in self.refs}

    @property
    def title(self) -> str:
        """The first title among the checklists that have this clause; "" when all are untitled."""
        return next((ref.title for ref in self.refs if ref.title), "")

    @property
    def label(self) -> str:
        """`7.2 Competence`, or `10.3 / 10.1 Continual improvement` when the numbers differ.

        Just the number (`9.2.2`) when every standard leaves the paragraph untitled.
        """
        numbers = " / ".join(dict.fromkeys(ref.number for ref in self.refs))
        return f"{numbers} {self.title}" if self.title else numbers

    @property
    def shared(self) -> bool:
        """True when more than one checklist has this clause."""
        return len(self.refs) > 1

    @property
    def auditable(self) -> bool:
        """True when any checklist asks questions here."""
        return bool(self.question_groups)

    @property
    def citation_only(self) -> bool:
        """True for an untitled paragraph with nothing to ask: findings cite it, pages hide it.

        That is a node with no questions and no children whose every standard leaves it untitled.
        """
        return (
            not self.question_groups
            and not self.children
            and all(ref.untitled for ref in self.refs)
        )

    def iter_questions(self) -> Iterator[IntegratedQuestion]:
        """This node's questions, checklist by checklist."""
        for group in self.question_groups:
            yield from group.questions


def clause_references(node: IntegratedNode) -> list[tuple[str, str]]:
    """(checklist id, clause number) per standard: what one finding at this node references."""
    return [(ref.checklist_id, ref.number) for ref in node.refs]


def _iter_nodes(nodes: Sequence[IntegratedNode]) -> Iterator[IntegratedNode]:
    for node in nodes:
        yield node
        yield from _iter_nodes(node.children)


@dataclass(frozen=True)
class IntegratedTree:
    """The merged clause tree of one or more checklists."""

    checklist_ids: tuple[str, ...]
    nodes: tuple[IntegratedNode, ...]

    def iter_nodes(self) -> Iterator[IntegratedNode]:
        """Every node, depth-first in display order."""
        return _iter_nodes(self.nodes)

    def iter_questions(self) -> Iterator[IntegratedQuestion]:
        """Every question in display order."""
        for node in self.iter_nodes():
            yield from node.iter_questions()

    def find(self, checklist_id: str, number: str) -> IntegratedNode | None:
        """The node holding clause `number` of checklist `checklist_id`, or None."""
        return next((n for n in self.iter_nodes() if n.numbers.get(checklist_id) == number), None)


@dataclass
class _Draft:
    hs: str | None
    sources: list[tuple[Checklist, Clause]] = field(default_factory=list)
    children: list[_Draft] = field(default_factory=list)

    def has(self, checklist_id: str) -> bool:
        return any(checklist.id == checklist_id for checklist, _ in self.sources)

    def freeze(self) -> IntegratedNode:
        first_checklist, first_clause = self.sources[0]
        key = self.hs or make_item_key(first_checklist.id, first_clause.number)
        groups = tuple(
            QuestionGroup(
                checklist.id,
                clause.number,
                tuple(
                    IntegratedQuestion(checklist.id, checklist.item_key(q), clause.number, q)
                    for q in clause.questions
                ),
            )
            for checklist, clause in self.sources
            if clause.questions
        )
        refs = tuple(
            ClauseRef(c.id, clause.number, clause.title, clause.untitled)
            for c, clause in self.sources
        )
        children = tuple(child.freeze() for child in self.children)
        return IntegratedNode(key, self.hs, refs, children, groups)


def _merge(
    drafts: list[_Draft], clauses: Sequence[Clause], checklist: Checklist, first: str
) -> None:
    """Merge one checklist's siblings into the drafts of the same tree position."""
    pointer = -1  # index of the draft holding the previous sibling of this checklist
    for clause in clauses:
        index = next(
            (
                i
                for i, draft in enumerate(drafts)
                if clause.hs and draft.hs == clause.hs and not draft.has(checklist.id)
            ),
            None,
        )
        if index is None:
            index = pointer + 1
            while (
                index < len(drafts)
                and not drafts[index].has(first)
                and not drafts[index].has(checklist.id)
            ):
                index += 1
            drafts.insert(index, _Draft(clause.hs))
        draft = drafts[index]
        draft.sources.append((checklist, clause))
        _merge(draft.children, clause.children, checklist, first)
        pointer = index


def integrate(checklists: Sequence[Checklist]) -> IntegratedTree:
    """Merge checklists into one tree; a single checklist integrates to its own tree."""
    ids = [checklist.id for checklist in checklists]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"checklist given twice: {', '.join(duplicates)}")
    drafts: list[_Draft] = []
    for checklist in checklists:
        _merge(drafts, checklist.clauses, checklist, ids[0])
    return IntegratedTree(tuple(ids), tuple(draft.freeze() for draft in drafts))
