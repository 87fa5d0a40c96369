"""Capturing an audit on the laptop: every edit writes its row, an outbox entry and an event.

No Flask here: views parse forms with the `parse_*` functions, call one capture function,
and commit once. A function never commits; the caller owns the unit of work.
"""

from auditkit.capture.errors import Incomplete, Invalid, ReadOnly, SignatureWouldBeVoided
from auditkit.capture.workspace import Workspace

__all__ = ["Incomplete", "Invalid", "ReadOnly", "SignatureWouldBeVoided", "Workspace"]
