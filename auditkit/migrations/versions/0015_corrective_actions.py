"""corrective actions rebuilt: one per nonconformity with its status and verification, every
submission a revision with the CB's judgement, evidence files by sha256; laptops keep the
deadlines of an audit's nonconformities

The old table was never written (no page or sync wrote it), so it is replaced, not moved.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CAPA_STATUS = sa.Enum(
    "draft", "submitted", "plan_accepted", "plan_rejected", "evidence_submitted",
    "verified_closed", "reopened",
    name="capa_status", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.add_column(
            sa.Column("capa_deadlines", sa.JSON(), nullable=False, server_default="{}")
        )
    op.drop_table("corrective_actions")
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("status", CAPA_STATUS, nullable=False),
        sa.Column("submitted_revision", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Uuid(), nullable=True),
        sa.Column("verified_by_name", sa.String(200), nullable=False),
        sa.Column("verification_method", sa.String(32), nullable=False),
        sa.Column("verification_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_corrective_actions_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_corrective_actions_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_corrective_actions_verified_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_corrective_actions_finding_id")),
    )
    with op.batch_alter_table("corrective_actions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_audit_id"), ["audit_id"], unique=False
        )
    op.create_table(
        "corrective_action_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("corrective_action_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("action_due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_name", sa.String(200), nullable=False),
        sa.Column("judgement", sa.String(16), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("judged_by_name", sa.String(200), nullable=False),
        sa.Column("judgement_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_action_revisions_corrective_action_id_corrective_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_action_revisions")),
        sa.UniqueConstraint(
            "corrective_action_id",
            "number",
            name=op.f("uq_corrective_action_revisions_corrective_action_id_number"),
        ),
    )
    with op.batch_alter_table("corrective_action_revisions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_action_revisions_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("revision_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["corrective_action_revisions.id"],
            name=op.f("fk_evidence_files_revision_id_corrective_action_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    with op.batch_alter_table("evidence_files") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_files_revision_id"), ["revision_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_files_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_table("evidence_files")
    op.drop_table("corrective_action_revisions")
    op.drop_table("corrective_actions")
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_column("capa_deadlines")
    # The earlier shape (0003) is not restored: it never held data.
