"""Building a Checklist from YAML nodes, checking the rules of `checklists/README.md` on the way.

Every problem is collected (never raised) so that one run reports all errors of a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from yaml.nodes import Node, SequenceNode

from auditkit.checklists._tree import Context, peek, read_clauses
from auditkit.checklists._yaml import Fields, NodeReader
from auditkit.checklists.model import (
    KIND_VCA,
    KINDS,
    LEVEL_MUST,
    LEVEL_SUPPLEMENTARY,
    Clause,
    Level,
)

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VERSION_RE = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
LANGUAGE_RE = re.compile(r"[a-z]{2}")
LEVEL_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")

FILE_KEYS = (
    "id", "kind", "standard", "edition", "amendment", "title", "language", "version",
    "unconfirmed", "levels", "level_mapping", "clauses",
)  # fmt: skip
LEVEL_KEYS = ("key", "name", "must", "supplementary", "supplementary_min")
LEVEL_MAPPING_CONFIRMED = "confirmed"
LEVEL_MAPPINGS = (LEVEL_MAPPING_CONFIRMED, "unconfirmed")


@dataclass(frozen=True)
class Header:
    """The file-level values of a valid checklist."""

    id: str
    kind: str
    standard: str
    edition: str
    amendment: str | None
    title: str
    language: str
    version: str
    unconfirmed: tuple[str, ...]
    levels: tuple[Level, ...]
    level_mapping_confirmed: bool
    clauses: tuple[Clause, ...]


def build(root: Node, reader: NodeReader, expected_id: str | None) -> Header | None:
    """Validate the whole tree; the Header when it is valid, None when any error was recorded."""
    ctx = Context(reader)
    fields = reader.mapping(root, "checklist", FILE_KEYS)
    if fields is None:
        return None
    checklist_id = reader.text(
        fields, "id", pattern=ID_RE, hint="use lower-case words and digits joined by '-'"
    )
    id_node = fields.get("id")
    if checklist_id and expected_id and checklist_id != expected_id and id_node is not None:
        reader.error(
            id_node,
            f"checklist: id '{checklist_id}' does not match the file name "
            f"(expected '{expected_id}')",
        )
    if fields.get("kind") is not None:
        kind = reader.text(fields, "kind")
        if kind is not None and kind not in KINDS:
            reader.error(
                fields.values["kind"], f"checklist: unknown kind '{kind}': use {' or '.join(KINDS)}"
            )
        elif kind is not None:
            ctx.kind = kind
    standard = reader.text(fields, "standard")
    edition = reader.text(fields, "edition")
    amendment = reader.text(fields, "amendment", required=False)
    title = reader.text(fields, "title")
    language = reader.text(
        fields, "language", pattern=LANGUAGE_RE, hint="use an ISO 639-1 code, e.g. 'en'"
    )
    version = reader.text(
        fields, "version", pattern=VERSION_RE, hint="use MAJOR.MINOR.PATCH, e.g. '1.0.0'"
    )
    unconfirmed = reader.text_list(fields, "unconfirmed", required=False)
    levels, level_fields = _levels(ctx, fields)
    level_mapping_confirmed = _level_mapping(ctx, fields)
    clauses = read_clauses(ctx, reader.sequence(fields, "clauses", required=True), None)
    clauses_node = fields.get("clauses")
    if isinstance(clauses_node, SequenceNode) and not clauses_node.value:
        reader.error(clauses_node, "checklist: 'clauses' needs at least one clause")
    if levels and not ctx.flag_errors:
        _check_level_counts(ctx, levels, level_fields)
    if reader.errors:
        return None
    assert checklist_id and standard and edition and title and language and version
    return Header(
        checklist_id, ctx.kind, standard, edition, amendment, title, language, version,
        unconfirmed, levels, level_mapping_confirmed, clauses,
    )  # fmt: skip


def _levels(ctx: Context, fields: Fields) -> tuple[tuple[Level, ...], dict[str, Fields]]:
    """The VCA levels (required for `kind: vca`, not allowed otherwise) and their fields."""
    reader = ctx.reader
    node = fields.get("levels")
    if ctx.kind != KIND_VCA:
        if node is not None:
            reader.error(node, "checklist: 'levels' is only for VCA checklists (kind: vca)")
        return (), {}
    items = reader.sequence(fields, "levels", required=True)
    if isinstance(node, SequenceNode) and not node.value:
        reader.error(node, "checklist: 'levels' needs at least one level")
    levels: list[Level] = []
    by_key: dict[str, Fields] = {}
    for item in items:
        level_fields = reader.mapping(item, f"level {peek(item, 'key') or '(no key)'}", LEVEL_KEYS)
        if level_fields is None:
            continue
        key = reader.text(
            level_fields, "key", pattern=LEVEL_KEY_RE, hint="use lower-case letters and digits"
        )
        if key is not None and key in by_key:
            reader.error(level_fields.values["key"], f"{level_fields.where}: duplicate level key")
            key = None
        name = reader.text(level_fields, "name")
        must = reader.count(level_fields, "must")
        supplementary = reader.count(level_fields, "supplementary")
        minimum = reader.count(level_fields, "supplementary_min")
        if minimum is not None and supplementary is not None and minimum > supplementary:
            reader.error(
                level_fields.values["supplementary_min"],
                f"{level_fields.where}: supplementary_min ({minimum}) is more than supplementary "
                f"({supplementary})",
            )
        if key is not None:
            by_key[key] = level_fields
        if None not in (key, name, must, supplementary, minimum):
            levels.append(Level(key, name, must, supplementary, minimum))  # type: ignore[arg-type]
    if len(levels) == len(items):
        ctx.level_keys = tuple(level.key for level in levels)
    return tuple(levels), by_key


def _level_mapping(ctx: Context, fields: Fields) -> bool:
    """True when a VCA file says its must/supplementary mapping is confirmed (required for VCA)."""
    reader = ctx.reader
    node = fields.get("level_mapping")
    if ctx.kind != KIND_VCA:
        if node is not None:
            reader.error(node, "checklist: 'level_mapping' is only for VCA checklists (kind: vca)")
        return False
    value = reader.text(fields, "level_mapping")
    if value is not None and value not in LEVEL_MAPPINGS:
        reader.error(
            fields.values["level_mapping"],
            f"checklist: 'level_mapping' must be {' or '.join(LEVEL_MAPPINGS)}, found '{value}'",
        )
    return value == LEVEL_MAPPING_CONFIRMED


def _check_level_counts(
    ctx: Context, levels: tuple[Level, ...], level_fields: Mapping[str, Fields]
) -> None:
    """The `must` and `supplementary` counts of each level must match the questions' flags."""
    for level in levels:
        for attr, flag in (("must", LEVEL_MUST), ("supplementary", LEVEL_SUPPLEMENTARY)):
            declared = getattr(level, attr)
            flagged = ctx.flag_counts[level.key, flag]
            if declared != flagged:
                ctx.reader.error(
                    level_fields[level.key].values[attr],
                    f"level {level.key}: '{attr}' is {declared} but {flagged} questions are "
                    f"flagged {flag}",
                )
