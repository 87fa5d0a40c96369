"""Planning at the CB: pinning checklists to an audit, audit time and sampling, cycle dates.

No Flask here: the CB app, the CLI and the demo call these functions.
"""

from auditkit.planning.pinning import (
    UnknownChecklist,
    find_checklist,
    pin_checklists,
    pinned_checklists,
)

__all__ = ["UnknownChecklist", "find_checklist", "pin_checklists", "pinned_checklists"]
