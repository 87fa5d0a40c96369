"""Validation errors of checklist files, each pointing at a file and a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistError:
    """One problem in a checklist file; prints as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ChecklistInvalid(Exception):
    """A checklist file (or several) failed validation; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[ChecklistError]) -> None:
        self.errors: list[ChecklistError] = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))
