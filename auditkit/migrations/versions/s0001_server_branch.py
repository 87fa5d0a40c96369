"""the CB server's own tables start here (a branch laptops never run)

The laptop and the server share one schema up to 0009 (the laptop holds a few CB tables
from then, empty). From here on, tables only the CB server needs (planning, accounts,
decisions, the portal) are migrations on this `server` branch: laptops upgrade the `shared`
branch only (auditkit.migrate.FIELD_TARGET), so a CB-only change never makes every laptop
back up and upgrade. A shared change still goes on the trunk, and the server runs both.

Revision ID: s0001
Revises: (a base of its own)
Depends on: 0009
"""

from __future__ import annotations

revision = "s0001"
down_revision = None  # a base of its own, so `shared@head` never reaches it
branch_labels = ("server",)
depends_on = "0009"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
