"""Reading composed YAML nodes: typed values with their line numbers, errors collected, not raised.

The loader works on PyYAML's node graph (`yaml.compose`) rather than on plain Python objects, so
every value still knows the line it came from and every problem can be reported as `path:line:`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditkit.checklists.errors import ChecklistError

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"


def line_of(node: Node) -> int:
    """The 1-based line where a node starts."""
    return node.start_mark.line + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases: checklists need none, and they make node walks explode."""

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            problem = "aliases (*name) are not allowed in checklists"
            raise yaml.composer.ComposerError(None, None, problem, mark)
        return super().compose_node(parent, index)


def _fast_compose(text: str) -> Node | None:
    """Compose with libyaml (about 15 times faster); None when the slow path must explain a problem.

    libyaml cannot refuse aliases while composing, so an alias (a node met twice) sends the
    file down the pure-Python path, which reports it at the right line.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None
    if root is None or _has_alias(root):
        return None
    return root


def _has_alias(root: Node) -> bool:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return False


def compose(text: str, path: str) -> tuple[Node | None, list[ChecklistError]]:
    """Compose one YAML document; a syntax error becomes one error at the problem's line."""
    fast = _fast_compose(text)
    if fast is not None:
        return fast, []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = max(1, len(text.splitlines()))
        line = min(mark.line + 1, last_line) if mark else 1  # end of stream: the last line
        context = exc.context
        context_line = min(exc.context_mark.line + 1, last_line) if exc.context_mark else line
        if context and context_line != line:
            context = f"{context} at line {context_line}"
        problem = ", ".join(part for part in (context, exc.problem) if part)
        return None, [ChecklistError(path, line, f"invalid YAML: {problem}")]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        message = f"invalid YAML: character {shown} is not allowed ({exc.reason})"
        return None, [ChecklistError(path, line, message)]
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above carries a mark
        return None, [ChecklistError(path, 1, f"invalid YAML: {exc}")]
    if root is None:
        return None, [ChecklistError(path, 1, "the file is empty")]
    return root, []


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "empty"
    return repr(node.value)


@dataclass
class Fields:
    """The keys of one YAML mapping, with the node and a description used in messages."""

    node: MappingNode
    where: str
    values: dict[str, Node]

    def get(self, key: str) -> Node | None:
        """The value node of `key`, or None when the key is absent."""
        return self.values.get(key)


class NodeReader:
    """Reads typed values from nodes and collects every problem as a ChecklistError."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ChecklistError] = []

    def error(self, at: Node | int, message: str) -> None:
        """Record a problem at a node's line (or at a line number)."""
        line = at if isinstance(at, int) else line_of(at)
        self.errors.append(ChecklistError(self.path, line, message))

    def mapping(self, node: Node, where: str, known: Sequence[str]) -> Fields | None:
        """The keys of a mapping node; duplicate and unknown keys are errors."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where}: expected a mapping of keys, found {_describe(node)}")
            return None
        values: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else _describe(key_node)
            if key in values:
                self.error(
                    key_node, f"{where}: duplicate key '{key}' (first at line {first_line[key]})"
                )
                continue
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.error(key_node, f"{where}: unknown key '{key}'{hint}")
            values[key] = value_node
            first_line[key] = line_of(key_node)
        return Fields(node, where, values)

    def _required(self, fields: Fields, key: str, required: bool) -> Node | None:
        node = fields.get(key)
        if node is None and required:
            self.error(fields.node, f"{fields.where}: missing required key '{key}'")
        return node

    def text(
        self,
        fields: Fields,
        key: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        """A non-empty text value; numbers and booleans must be quoted to count as text."""
        node = self._required(fields, key, required)
        if node is None:
            return None
        return self.text_node(node, f"{fields.where}: '{key}'", pattern=pattern, hint=hint)

    def text_node(
        self, node: Node, what: str, *, pattern: re.Pattern[str] | None = None, hint: str = ""
    ) -> str | None:
        """The text of a scalar node, checked against an optional pattern."""
        if not isinstance(node, ScalarNode) or node.tag != STR_TAG:
            found = _describe(node)
            quote = "; quote it" if isinstance(node, ScalarNode) and node.tag != NULL_TAG else ""
            self.error(node, f"{what} must be text, found {found}{quote}")
            return None
        value = node.value.strip()
        if not value:
            self.error(node, f"{what} must not be empty")
            return None
        if pattern is not None and not pattern.fullmatch(node.value):
            self.error(node, f"{what} {node.value!r} is not valid{': ' + hint if hint else ''}")
            return None
        return node.value

    def flag(self, fields: Fields, key: str) -> bool:
        """An optional true/false value, false when absent."""
        node = fields.get(key)
        if node is None:
            return False
        if not isinstance(node, ScalarNode) or node.tag != BOOL_TAG:
            self.error(
                node, f"{fields.where}: '{key}' must be true or false, found {_describe(node)}"
            )
            return False
        return bool(SafeConstructor.bool_values[node.value.lower()])

    def count(self, fields: Fields, key: str) -> int | None:
        """A required whole number, zero or more."""
        node = self._required(fields, key, True)
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or node.tag != INT_TAG or not node.value.isdigit():
            self.error(
                node, f"{fields.where}: '{key}' must be a whole number, found {_describe(node)}"
            )
            return None
        return int(node.value)

    def sequence(self, fields: Fields, key: str, *, required: bool = False) -> list[Node]:
        """The items of a list value (empty when absent or not a list)."""
        node = self._required(fields, key, required)
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f"{fields.where}: '{key}' must be a list, found {_describe(node)}")
            return []
        return list(node.value)

    def text_list(self, fields: Fields, key: str, *, required: bool) -> tuple[str, ...]:
        """A list of non-empty texts; a required list needs at least one item."""
        node = fields.get(key)
        items = self.sequence(fields, key, required=required)
        if required and node is not None and isinstance(node, SequenceNode) and not items:
            self.error(node, f"{fields.where}: '{key}' needs at least one item")
        texts = (self.text_node(item, f"{fields.where}: an item of '{key}'") for item in items)
        return tuple(text for text in texts if text is not None)
