"""blob uploads per device, and which devices hold a blob's bytes (CB server only)

Revision ID: s0003
Revises: s0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blob_holders",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["blobs.sha256"],
            name=op.f("fk_blob_holders_sha256_blobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_blob_holders_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "device_id", name=op.f("pk_blob_holders")),
    )
    op.create_index(op.f("ix_blob_holders_device_id"), "blob_holders", ["device_id"])
    op.create_table(
        "device_uploads",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_uploads_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "sha256", name=op.f("pk_device_uploads")),
    )
    # Uploads under way belonged to nobody in particular: their laptops start them again
    # (blobs/check no longer reports them); `auditkit blobs gc` removes their partial files.
    op.execute("DELETE FROM blob_uploads")


def downgrade() -> None:
    op.drop_table("device_uploads")
    op.drop_index(op.f("ix_blob_holders_device_id"), table_name="blob_holders")
    op.drop_table("blob_holders")
