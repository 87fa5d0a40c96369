"""client records a planner keeps: registration number, archiving, site kind and personnel

On the trunk (laptops hold organisations and sites too, for the audits they carry).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(
            sa.Column("registration_number", sa.String(60), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sites") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="permanent")
        )
        batch_op.add_column(
            sa.Column("shift_personnel", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch_op:
        batch_op.drop_column("shift_personnel")
        batch_op.drop_column("kind")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("registration_number")
