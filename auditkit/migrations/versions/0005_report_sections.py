"""report sections on the closure

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_closures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan_deviations", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("significant_issues", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("significant_changes", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("unresolved_issues", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("marks_use", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("previous_nc_verification", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_closures", schema=None) as batch_op:
        batch_op.drop_column("previous_nc_verification")
        batch_op.drop_column("marks_use")
        batch_op.drop_column("unresolved_issues")
        batch_op.drop_column("significant_changes")
        batch_op.drop_column("significant_issues")
        batch_op.drop_column("plan_deviations")
