"""Checklists: loading, validating, integrating and VCA scoring (no Flask here)."""

from __future__ import annotations

from auditkit.checklists.errors import ChecklistError, ChecklistInvalid
from auditkit.checklists.hs import HS_KEYS, HsKey
from auditkit.checklists.integrate import (
    ClauseRef,
    IntegratedNode,
    IntegratedQuestion,
    IntegratedTree,
    QuestionGroup,
    clause_references,
    integrate,
)
from auditkit.checklists.loader import (
    checklist_paths,
    load_all,
    load_checklist,
    parse_checklist,
    shipped_checklists_dir,
    validate_paths,
)
from auditkit.checklists.model import (
    Checklist,
    ChecklistCounts,
    Clause,
    Level,
    Question,
    iter_clauses,
    make_item_key,
)
from auditkit.checklists.vca import VERDICTS, LevelResult, score_vca

__all__ = [
    "HS_KEYS",
    "VERDICTS",
    "Checklist",
    "ChecklistCounts",
    "ChecklistError",
    "ChecklistInvalid",
    "Clause",
    "ClauseRef",
    "HsKey",
    "IntegratedNode",
    "IntegratedQuestion",
    "IntegratedTree",
    "Level",
    "LevelResult",
    "Question",
    "QuestionGroup",
    "checklist_paths",
    "clause_references",
    "integrate",
    "iter_clauses",
    "load_all",
    "load_checklist",
    "make_item_key",
    "parse_checklist",
    "score_vca",
    "shipped_checklists_dir",
    "validate_paths",
]
