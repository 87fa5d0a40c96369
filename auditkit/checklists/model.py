"""The checklist model: immutable clause trees with their questions.

A `Checklist` is what the loader makes of one YAML file (see `checklists/README.md`). Everything
is a frozen dataclass holding tuples, so a loaded checklist can be shared and compared by value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

KIND_MANAGEMENT_SYSTEM = "management-system"
KIND_VCA = "vca"
KINDS = (KIND_MANAGEMENT_SYSTEM, KIND_VCA)

LEVEL_MUST = "must"
LEVEL_SUPPLEMENTARY = "supplementary"
LEVEL_NONE = "none"
LEVEL_FLAGS = (LEVEL_MUST, LEVEL_SUPPLEMENTARY, LEVEL_NONE)

_EMPTY_LEVELS: Mapping[str, str] = MappingProxyType({})


def make_item_key(checklist_id: str, question_id: str) -> str:
    """The stable key of an audit item, e.g. `iso9001-2015:7.2/1`."""
    return f"{checklist_id}:{question_id}"


@dataclass(frozen=True)
class Question:
    """One question the auditor answers; `levels` maps a VCA level key to its flag."""

    id: str
    text: str
    guidance: str
    evidence: tuple[str, ...]
    levels: Mapping[str, str] = field(default_factory=lambda: _EMPTY_LEVELS, hash=False)
    na_allowed: bool = False
    unconfirmed: str | None = None
    line: int = 0

    def flag(self, level_key: str) -> str:
        """The question's flag at a VCA level: `must`, `supplementary` or `none`."""
        return self.levels.get(level_key, LEVEL_NONE)


@dataclass(frozen=True)
class Clause:
    """A numbered clause of a standard (or a VCA chapter), with sub-clauses and questions.

    An untitled clause is a paragraph the standard numbers without a heading (ISO 9001 9.2.2): a
    node a finding can cite, with an empty title, no questions and no children.
    """

    number: str
    title: str
    auditable: bool = False
    hs: str | None = None
    not_applicable_allowed: bool = False
    notes: str | None = None
    unconfirmed: str | None = None
    children: tuple[Clause, ...] = ()
    questions: tuple[Question, ...] = ()
    untitled: bool = False
    line: int = 0

    @property
    def label(self) -> str:
        """Number and title as shown to the auditor, `7.2 Competence`; `9.2.2` when untitled."""
        return self.number if self.untitled else f"{self.number} {self.title}"


@dataclass(frozen=True)
class Level:
    """A VCA certification level and its pass threshold."""

    key: str
    name: str
    must: int
    supplementary: int
    supplementary_min: int


@dataclass(frozen=True)
class ChecklistCounts:
    """Sizes of a checklist, as shown by `auditkit checklists validate` and `list`."""

    clauses: int
    auditable: int
    questions: int


def iter_clauses(clauses: Iterable[Clause]) -> Iterator[Clause]:
    """Every clause of a tree, depth-first, parents before their children."""
    for clause in clauses:
        yield clause
        yield from iter_clauses(clause.children)


@dataclass(frozen=True)
class Checklist:
    """One checklist file: a standard (or scheme) edition and its clause tree."""

    id: str
    kind: str
    standard: str
    edition: str
    title: str
    language: str
    version: str
    clauses: tuple[Clause, ...]
    content_hash: str
    source_path: str
    raw_text: str = field(default="", repr=False)
    amendment: str | None = None
    unconfirmed: tuple[str, ...] = ()
    levels: tuple[Level, ...] = ()
    level_mapping_confirmed: bool = False  # VCA: `level_mapping: confirmed`; False otherwise

    @property
    def is_vca(self) -> bool:
        """True for a VCA checklist, which is scored per level."""
        return self.kind == KIND_VCA

    def iter_clauses(self) -> Iterator[Clause]:
        """Every clause, depth-first in the standard's order."""
        return iter_clauses(self.clauses)

    def iter_items(self) -> Iterator[tuple[Clause, Question]]:
        """Every (clause, question) pair in audit order."""
        for clause in self.iter_clauses():
            for question in clause.questions:
                yield clause, question

    def item_key(self, question: Question) -> str:
        """The stable audit item key of one of this checklist's questions."""
        return make_item_key(self.id, question.id)

    def clause(self, number: str) -> Clause | None:
        """The clause with this number, or None."""
        return next((c for c in self.iter_clauses() if c.number == number), None)

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for _, q in self.iter_items() if q.id == question_id), None)

    def level(self, key: str) -> Level | None:
        """The VCA level with this key, or None."""
        return next((level for level in self.levels if level.key == key), None)

    def counts(self) -> ChecklistCounts:
        """How many clauses, auditable clauses and questions the checklist has."""
        clauses = list(self.iter_clauses())
        return ChecklistCounts(
            clauses=len(clauses),
            auditable=sum(1 for c in clauses if c.auditable),
            questions=sum(len(c.questions) for c in clauses),
        )
