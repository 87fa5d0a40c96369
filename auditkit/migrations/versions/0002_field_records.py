"""field records: answers, findings, photos, registers, meetings, closure

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_closures",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "certify",
                "certify_after_closure",
                "do_not_certify",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("signed_by_id", sa.Uuid(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_content_sha256", sa.String(length=64), nullable=True),
        sa.Column("auditee_name", sa.String(length=200), nullable=False),
        sa.Column("auditee_acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_closures_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_audit_closures_signed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_closures")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_audit_closures_audit_id")),
    )
    op.create_table(
        "findings",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("local_number", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column(
            "grade",
            sa.Enum(
                "major",
                "minor",
                "observation",
                "ofi",
                "positive",
                name="grade",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("objective_evidence", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("extent", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_findings_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_findings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_findings_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint(
            "audit_id", "local_number", name=op.f("uq_findings_audit_id_local_number")
        ),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_audit_id"), ["audit_id"], unique=False)
    op.create_table(
        "interviewees",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("job_role", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_interviewees_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviewees")),
    )
    with op.batch_alter_table("interviewees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interviewees_audit_id"), ["audit_id"], unique=False)
    op.create_table(
        "meetings",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "opening",
                "closing",
                name="meeting_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_meetings_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("audit_id", "kind", name=op.f("uq_meetings_audit_id_kind")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_audit_id"), ["audit_id"], unique=False)
    op.create_table(
        "responses",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "conforming",
                "nonconformity",
                "observation",
                "ofi",
                "not_applicable",
                "not_audited",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("answered_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_responses_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_responses_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("audit_id", "item_key", name=op.f("uq_responses_audit_id_item_key")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responses_audit_id"), ["audit_id"], unique=False)
    op.create_table(
        "sampled_records",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("record_type", sa.String(length=200), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_sampled_records_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampled_records")),
    )
    with op.batch_alter_table("sampled_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampled_records_audit_id"), ["audit_id"], unique=False)
    op.create_table(
        "finding_clauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.String(length=80), nullable=False),
        sa.Column("clause_number", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_clauses_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_clauses")),
        sa.UniqueConstraint(
            "finding_id",
            "checklist_id",
            "clause_number",
            name=op.f("uq_finding_clauses_finding_id_checklist_id_clause_number"),
        ),
    )
    with op.batch_alter_table("finding_clauses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_clauses_finding_id"), ["finding_id"], unique=False
        )
    op.create_table(
        "finding_interviewees",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("interviewee_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_interviewees_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewee_id"],
            ["interviewees.id"],
            name=op.f("fk_finding_interviewees_interviewee_id_interviewees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "finding_id", "interviewee_id", name=op.f("pk_finding_interviewees")
        ),
    )
    op.create_table(
        "finding_responses",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_responses_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_finding_responses_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("finding_id", "response_id", name=op.f("pk_finding_responses")),
    )
    op.create_table(
        "finding_sampled_records",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("sampled_record_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_sampled_records_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sampled_record_id"],
            ["sampled_records.id"],
            name=op.f("fk_finding_sampled_records_sampled_record_id_sampled_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "finding_id", "sampled_record_id", name=op.f("pk_finding_sampled_records")
        ),
    )
    op.create_table(
        "photos",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=True),
        sa.Column("finding_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_photos_audit_id_audits"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_photos_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_photos_finding_id_findings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_photos_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_finding_id"), ["finding_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_response_id"), ["response_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_sha256"), ["sha256"], unique=False)
    op.create_table(
        "response_interviewees",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("interviewee_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interviewee_id"],
            ["interviewees.id"],
            name=op.f("fk_response_interviewees_interviewee_id_interviewees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_interviewees_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "interviewee_id", name=op.f("pk_response_interviewees")
        ),
    )
    op.create_table(
        "response_sampled_records",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("sampled_record_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_sampled_records_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sampled_record_id"],
            ["sampled_records.id"],
            name=op.f("fk_response_sampled_records_sampled_record_id_sampled_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "sampled_record_id", name=op.f("pk_response_sampled_records")
        ),
    )


def downgrade() -> None:
    op.drop_table("response_sampled_records")
    op.drop_table("response_interviewees")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_sha256"))
        batch_op.drop_index(batch_op.f("ix_photos_response_id"))
        batch_op.drop_index(batch_op.f("ix_photos_finding_id"))
        batch_op.drop_index(batch_op.f("ix_photos_audit_id"))
    op.drop_table("photos")
    op.drop_table("finding_sampled_records")
    op.drop_table("finding_responses")
    op.drop_table("finding_interviewees")
    with op.batch_alter_table("finding_clauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_clauses_finding_id"))
    op.drop_table("finding_clauses")
    with op.batch_alter_table("sampled_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampled_records_audit_id"))
    op.drop_table("sampled_records")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_audit_id"))
    op.drop_table("responses")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_audit_id"))
    op.drop_table("meetings")
    with op.batch_alter_table("interviewees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviewees_audit_id"))
    op.drop_table("interviewees")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_audit_id"))
    op.drop_table("findings")
    op.drop_table("audit_closures")
