"""audits keep how their plan was worked out (audit-time steps, the site sample's draw) and
their schedule (per day, site and auditor); laptops keep the earlier open nonconformities

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.add_column(
            sa.Column("plan_working", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("schedule", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("carried_over", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_column("carried_over")
        batch_op.drop_column("schedule")
        batch_op.drop_column("plan_working")
