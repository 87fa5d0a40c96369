"""applied mutations remember their entity and when a conflict was settled

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_mutations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("entity_id", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applied_mutations", schema=None) as batch_op:
        batch_op.drop_column("settled_at")
        batch_op.drop_column("entity_id")
