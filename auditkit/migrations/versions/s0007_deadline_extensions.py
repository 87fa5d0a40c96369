"""requests for more time to answer a nonconformity, and the topic that makes each reminder
go once (CB server only)

Revision ID: s0007
Revises: s0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0007"
down_revision = "s0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by_name", sa.String(200), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(200), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_deadline_extensions_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extensions")),
    )
    with op.batch_alter_table("deadline_extensions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_extensions_finding_id"), ["finding_id"], unique=False
        )
    with op.batch_alter_table("mail_messages") as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_mail_messages_topic"), ["topic"])


def downgrade() -> None:
    with op.batch_alter_table("mail_messages") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mail_messages_topic"), type_="unique")
        batch_op.drop_column("topic")
    op.drop_table("deadline_extensions")
