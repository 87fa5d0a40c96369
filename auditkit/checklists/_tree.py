"""The clause tree of a checklist file: clauses, numbering, hs keys, untitled paragraphs, questions.

Part of the loader: every problem is recorded on the context's reader, never raised.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditkit.checklists._yaml import Fields, NodeReader, line_of
from auditkit.checklists.hs import HS_KEYS
from auditkit.checklists.model import (
    KIND_MANAGEMENT_SYSTEM,
    KIND_VCA,
    LEVEL_FLAGS,
    Clause,
    Question,
)

NUMBER_RE = re.compile(r"(?:0|[1-9]\d*|[A-Z])(?:\.(?:0|[1-9]\d*))*")
COUNTER = r"[1-9]\d*"
CLAUSE_KEYS = (
    "number", "title", "untitled", "auditable", "hs", "not_applicable_allowed", "notes",
    "unconfirmed", "children", "questions",
)  # fmt: skip
QUESTION_KEYS = ("id", "text", "guidance", "evidence", "levels", "na_allowed", "unconfirmed")


@dataclass(frozen=True)
class Parent:
    """The enclosing clause: its number (None when invalid), hs key and whether it is auditable."""

    number: str | None
    hs: str | None
    auditable: bool = False


@dataclass
class Context:
    """What the checks of one file share: the reader, the kind, level keys, and ids seen so far."""

    reader: NodeReader
    kind: str = KIND_MANAGEMENT_SYSTEM
    level_keys: tuple[str, ...] = ()
    clause_lines: dict[str, int] = field(default_factory=dict)
    question_lines: dict[str, int] = field(default_factory=dict)
    hs_lines: dict[str, int] = field(default_factory=dict)
    flag_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    flag_errors: bool = False


def peek(node: Node, key: str) -> str | None:
    """The scalar value of `key` in a mapping node, for naming the node in messages."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key and isinstance(value_node, ScalarNode) and value_node.value:
                return str(value_node.value)
    return None


def _number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.split("."))


def read_clauses(ctx: Context, nodes: list[Node], parent: Parent | None) -> tuple[Clause, ...]:
    """The valid clauses among sibling nodes, which must be in the standard's order."""
    clauses: list[Clause] = []
    previous: str | None = None
    for node in nodes:
        clause = _clause(ctx, node, parent)
        if clause is None:
            continue
        if previous is not None and _number_key(previous) > _number_key(clause.number):
            ctx.reader.error(
                clause.line,
                f"clause {clause.number}: comes after {previous}; list clauses in the "
                "standard's order",
            )
        previous = clause.number
        clauses.append(clause)
    return tuple(clauses)


def _check_number(ctx: Context, fields: Fields, number: str, parent: Parent | None) -> bool:
    reader = ctx.reader
    node = fields.values["number"]
    if parent is None and "." in number:
        reader.error(
            node, f"clause {number}: a top-level clause number is one part, e.g. '4' or 'A'"
        )
        return False
    if parent is not None and parent.number is not None:
        if not re.fullmatch(re.escape(parent.number) + r"\.(?:0|[1-9]\d*)", number):
            reader.error(
                node,
                f"clause {number}: numbered outside its parent {parent.number} "
                f"(expected '{parent.number}.<n>')",
            )
            return False
    if number in ctx.clause_lines:
        reader.error(
            node,
            f"clause {number}: duplicate clause number (first at line {ctx.clause_lines[number]})",
        )
        return False
    ctx.clause_lines[number] = line_of(node)
    return True


def _check_hs(ctx: Context, fields: Fields, hs: str, parent: Parent | None) -> None:
    reader = ctx.reader
    node = fields.values["hs"]
    where = fields.where
    if hs not in HS_KEYS:
        close = difflib.get_close_matches(hs, HS_KEYS, n=1) or [
            k for k in HS_KEYS if k.rsplit(".", 1)[-1] == hs.rsplit(".", 1)[-1]
        ]
        hint = (
            f"; did you mean '{close[0]}'?" if close else " (see the table in checklists/README.md)"
        )
        reader.error(node, f"{where}: unknown hs key '{hs}'{hint}")
        return
    if hs in ctx.hs_lines:
        reader.error(
            node, f"{where}: hs key '{hs}' is used twice (first at line {ctx.hs_lines[hs]})"
        )
        return
    ctx.hs_lines[hs] = line_of(node)
    expected = HS_KEYS[hs].parent
    if expected is None and parent is not None:
        reader.error(node, f"{where}: hs key '{hs}' belongs on a top-level clause")
    elif expected is not None and (parent is None or parent.hs != expected):
        found = f"hs '{parent.hs}'" if parent is not None and parent.hs else "no hs key"
        reader.error(
            node,
            f"{where}: hs key '{hs}' belongs under the clause with hs '{expected}', "
            f"but its parent has {found}",
        )


def _check_untitled(ctx: Context, fields: Fields, auditable: bool, parent: Parent | None) -> None:
    """An untitled paragraph is a citable number under the auditable clause that asks for it."""
    reader = ctx.reader
    where = fields.where
    problems = {
        "title": "has no 'title' (never invent one for a paragraph the standard leaves untitled)",
        "auditable": "is not auditable: its parent clause carries the questions",
        "questions": "has no questions: put them on its parent clause",
        "children": "has no children",
    }
    key_lines = {str(k.value): line_of(k) for k, _ in fields.node.value}
    for key, problem in problems.items():
        if key in fields.values and (key != "auditable" or auditable):
            reader.error(key_lines[key], f"{where}: an untitled clause {problem}")
    if parent is None:
        reader.error(fields.node, f"{where}: a top-level clause cannot be untitled (use 'title')")
    elif parent.number is not None and not parent.auditable:
        reader.error(
            fields.node,
            f"{where}: an untitled clause belongs under an auditable clause, but its parent "
            f"{parent.number} is not auditable",
        )


def _clause(ctx: Context, node: Node, parent: Parent | None) -> Clause | None:
    reader = ctx.reader
    peeked = peek(node, "number")
    where = f"clause {peeked}" if peeked else "clause (no number)"
    fields = reader.mapping(node, where, CLAUSE_KEYS)
    if fields is None:
        return None
    hint = "use digits or one capital letter, then '.<digits>' parts, e.g. '7.1.5' or 'A.5.1'"
    number = reader.text(fields, "number", pattern=NUMBER_RE, hint=hint)
    if number is not None and not _check_number(ctx, fields, number, parent):
        number = None
    untitled = reader.flag(fields, "untitled")
    title = "" if untitled else reader.text(fields, "title")
    auditable = reader.flag(fields, "auditable")
    hs = reader.text(fields, "hs", required=False)
    if hs is not None:
        _check_hs(ctx, fields, hs, parent)
    not_applicable_allowed = reader.flag(fields, "not_applicable_allowed")
    notes = reader.text(fields, "notes", required=False)
    unconfirmed = reader.text(fields, "unconfirmed", required=False)
    children = read_clauses(ctx, reader.sequence(fields, "children"), Parent(number, hs, auditable))
    question_nodes = reader.sequence(fields, "questions")
    questions = tuple(
        q for q in (_question(ctx, n, number) for n in question_nodes) if q is not None
    )
    questions_node = fields.get("questions")
    malformed = questions_node is not None and not isinstance(questions_node, SequenceNode)
    if untitled:
        _check_untitled(ctx, fields, auditable, parent)
    elif auditable and not question_nodes and not malformed:  # a malformed list: reported already
        reader.error(node, f"{where}: auditable clause without questions")
    elif not auditable and question_nodes:
        reader.error(node, f"{where}: has questions but is not auditable (add 'auditable: true')")
    if number is None or title is None:
        return None
    return Clause(
        number, title, auditable, hs, not_applicable_allowed, notes, unconfirmed, children,
        questions, untitled, line_of(node),
    )  # fmt: skip


def _question(ctx: Context, node: Node, clause_number: str | None) -> Question | None:
    reader = ctx.reader
    peeked = peek(node, "id")
    where = f"question {peeked}" if peeked else f"a question of clause {clause_number}"
    fields = reader.mapping(node, where, QUESTION_KEYS)
    if fields is None:
        ctx.flag_errors = True  # its level flags are unknown: the counts cannot be checked
        return None
    question_id = reader.text(fields, "id")
    if question_id is not None and clause_number is not None:
        question_id = _check_question_id(ctx, fields, question_id, clause_number)
    text = reader.text(fields, "text")
    guidance = reader.text(fields, "guidance")
    evidence = reader.text_list(fields, "evidence", required=True)
    levels = _question_levels(ctx, fields)
    na_allowed = reader.flag(fields, "na_allowed")
    if ctx.kind != KIND_VCA and "na_allowed" in fields.values:
        reader.error(
            fields.values["na_allowed"], f"{where}: 'na_allowed' is only for VCA checklists"
        )
    unconfirmed = reader.text(fields, "unconfirmed", required=False)
    if question_id is None or text is None or guidance is None:
        return None
    return Question(
        question_id, text, guidance, evidence, levels, na_allowed, unconfirmed, line_of(node)
    )


def _check_question_id(
    ctx: Context, fields: Fields, question_id: str, clause_number: str
) -> str | None:
    reader = ctx.reader
    node = fields.values["id"]
    separator = "." if ctx.kind == KIND_VCA else "/"
    if not re.fullmatch(re.escape(clause_number + separator) + COUNTER, question_id):
        reader.error(
            node,
            f"question {question_id}: the id must be its clause number, '{separator}' and a "
            f"counter (e.g. '{clause_number}{separator}1')",
        )
        return None
    if question_id in ctx.question_lines:
        first = ctx.question_lines[question_id]
        reader.error(node, f"question {question_id}: duplicate question id (first at line {first})")
        return None
    ctx.question_lines[question_id] = line_of(node)
    return question_id


def _question_levels(ctx: Context, fields: Fields) -> Mapping[str, str]:
    reader = ctx.reader
    node = fields.get("levels")
    if ctx.kind != KIND_VCA:
        if node is not None:
            reader.error(node, f"{fields.where}: 'levels' is only for VCA checklists (kind: vca)")
        return MappingProxyType({})
    if node is None:
        reader.error(fields.node, f"{fields.where}: missing required key 'levels'")
        ctx.flag_errors = True
        return MappingProxyType({})
    if not ctx.level_keys:  # the file's levels are broken: reported there
        return MappingProxyType({})
    level_fields = reader.mapping(node, f"{fields.where}: levels", ctx.level_keys)
    if level_fields is None:
        ctx.flag_errors = True
        return MappingProxyType({})
    flags: dict[str, str] = {}
    for key in ctx.level_keys:
        flag_node = level_fields.get(key)
        if flag_node is None:
            reader.error(node, f"{fields.where}: levels: missing level '{key}'")
            continue
        flag = reader.text_node(flag_node, f"{fields.where}: level '{key}'")
        if flag is not None and flag not in LEVEL_FLAGS:
            reader.error(
                flag_node,
                f"{fields.where}: level '{key}' has unknown flag '{flag}': use "
                f"{', '.join(LEVEL_FLAGS)}",
            )
        elif flag is not None:
            flags[key] = flag
    if len(flags) != len(ctx.level_keys) or len(level_fields.values) != len(ctx.level_keys):
        ctx.flag_errors = True
    ctx.flag_counts.update(flags.items())
    return MappingProxyType(flags)
