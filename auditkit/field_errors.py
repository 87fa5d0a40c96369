"""A change refused because of one form field: what the domain modules raise for a form.

`field` names the input to show `message` beside; the pages keep what was typed. Shared by
auditkit.accounts and auditkit.clients (and the planning modules to come). No Flask here.
"""

from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
