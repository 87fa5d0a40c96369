"""an index on audits (start_date, id): the order every list of audits is shown in

Without it a page of the CB's audit list sorts every audit (bench/bench_planning.py).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.create_index("ix_audits_start_date_id", ["start_date", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_index("ix_audits_start_date_id")
