"""sync: device tokens, applied mutations, change log, blobs; laptop sync state

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(
            sa.Column("author_name", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_findings_audit_id_local_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_findings_audit_id_created_by_id_local_number",
            ["audit_id", "created_by_id", "local_number"],
        )
    op.create_table(
        "blob_uploads",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob_uploads")),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "sync_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_changes_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "sync_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("server_row", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejections")),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_sync_rejections_mutation_id")),
    )
    with op.batch_alter_table("sync_rejections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_rejections_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "uploaded_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_uploaded_blobs")),
    )
    op.create_table(
        "applied_mutations",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_applied_mutations_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_applied_mutations")),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_applied_mutations_mutation_id")),
    )
    with op.batch_alter_table("applied_mutations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applied_mutations_audit_id"), ["audit_id"], unique=False
        )

    op.create_table(
        "device_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_tokens_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_tokens_token_hash")),
    )
    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_tokens_device_id"), ["device_id"], unique=False)

    with op.batch_alter_table("audit_closures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_version", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("interviewees", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("sampled_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_versions", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_column("author_name")
        batch_op.alter_column("author_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_findings_audit_id_created_by_id_local_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_findings_audit_id_local_number", ["audit_id", "local_number"]
        )
    with op.batch_alter_table("sampled_records", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("interviewees", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_column("content_version")

    with op.batch_alter_table("audit_closures", schema=None) as batch_op:
        batch_op.drop_column("field_versions")

    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_tokens_device_id"))

    op.drop_table("device_tokens")
    with op.batch_alter_table("applied_mutations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applied_mutations_audit_id"))

    op.drop_table("applied_mutations")
    op.drop_table("uploaded_blobs")
    op.drop_table("sync_state")
    with op.batch_alter_table("sync_rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_rejections_audit_id"))

    op.drop_table("sync_rejections")
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_changes_audit_id"))

    op.drop_table("sync_changes")
    op.drop_table("blobs")
    op.drop_table("blob_uploads")
