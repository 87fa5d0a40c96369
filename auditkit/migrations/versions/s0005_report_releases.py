"""the finding report as released to the client: one revision per review round, its PDF,
sha256 and who released it (CB server only)

Revision ID: s0005
Revises: s0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("review_round", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("released_by_id", sa.Uuid(), nullable=True),
        sa.Column("released_by_name", sa.String(200), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_report_releases_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_report_releases_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_releases")),
        sa.UniqueConstraint(
            "audit_id", "revision", name=op.f("uq_report_releases_audit_id_revision")
        ),
    )
    with op.batch_alter_table("report_releases") as batch_op:
        batch_op.create_index(batch_op.f("ix_report_releases_audit_id"), ["audit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("report_releases")
