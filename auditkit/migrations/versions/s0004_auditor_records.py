"""auditor qualifications, impartiality declarations, team objections (CB server only)

Revision ID: s0004
Revises: s0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = "0011"

MOMENT = sa.DateTime(timezone=True)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "auditor_qualifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("may_lead", sa.Boolean(), nullable=False),
        sa.Column("sector_codes", sa.JSON(), nullable=False),
        sa.Column("qualified_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auditor_qualifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditor_qualifications")),
        sa.UniqueConstraint(
            "user_id", "scheme", name=op.f("uq_auditor_qualifications_user_id_scheme")
        ),
    )
    with op.batch_alter_table("auditor_qualifications") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auditor_qualifications_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "impartiality_declarations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("declared_at", MOMENT, nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_impartiality_declarations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_impartiality_declarations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impartiality_declarations")),
    )
    with op.batch_alter_table("impartiality_declarations") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_impartiality_declarations_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_impartiality_declarations_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
    op.create_table(
        "team_objections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", MOMENT, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_team_objections_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_objections_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_team_objections_answered_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_objections")),
    )
    with op.batch_alter_table("team_objections") as batch_op:
        batch_op.create_index(batch_op.f("ix_team_objections_audit_id"), ["audit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("team_objections")
    op.drop_table("impartiality_declarations")
    op.drop_table("auditor_qualifications")
