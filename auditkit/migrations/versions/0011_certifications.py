"""certifications: one per client and standard, with its sites; cycles move onto them

A certification holds what audit time and team depend on (scope, sector codes, personnel,
complexity) and its own cycle. Until now a cycle hung on the organisation; no release wrote
one, so the move refuses to run over existing cycle rows rather than guess their standard.
On the trunk: laptops will carry the certifications of the audits they hold.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    cycles = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM certification_cycles")).scalar()
    if cycles:
        raise RuntimeError(
            f"certification_cycles holds {cycles} row(s) tied to an organisation; give each a "
            "certification by hand before this upgrade (no release of auditkit wrote them)."
        )
    op.create_table(
        "certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("vca_level", sa.String(20), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("sector_codes", sa.JSON(), nullable=False),
        sa.Column("nace_codes", sa.JSON(), nullable=False),
        sa.Column("personnel", sa.JSON(), nullable=False),
        sa.Column("effective_personnel", sa.Integer(), nullable=True),
        sa.Column("complexity", sa.String(10), nullable=True),
        sa.Column("isms_factors", sa.JSON(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("soa_version", sa.String(80), nullable=False),
        sa.Column("transfer", sa.JSON(), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_checks", sa.JSON(), nullable=False),
        sa.Column("review_notes", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_audit", sa.String(20), nullable=True),
        sa.Column("next_due_by", sa.Date(), nullable=True),
        sa.Column("next_planned", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_certifications_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_certifications_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
    )
    with op.batch_alter_table("certifications") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certifications_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certifications_next_due_by"), ["next_due_by"], unique=False
        )
    op.create_table(
        "certification_sites",
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_certification_sites_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_certification_sites_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("certification_id", "site_id", name=op.f("pk_certification_sites")),
    )
    op.create_table(
        "audit_certifications",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_certifications_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_audit_certifications_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "audit_id", "certification_id", name=op.f("pk_audit_certifications")
        ),
    )
    with op.batch_alter_table("certification_cycles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_cycles_organisation_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_certification_cycles_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_id")
        batch_op.add_column(sa.Column("certification_id", sa.Uuid(), nullable=False))
        batch_op.add_column(
            sa.Column("origin", sa.String(20), nullable=False, server_default="decision")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certification_cycles_certification_id_certifications"),
            "certifications",
            ["certification_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_certification_cycles_certification_id"),
            ["certification_id"],
            unique=False,
        )
    for table in ("decisions", "certificates"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("certification_id", sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_certification_id_certifications"),
                "certifications",
                ["certification_id"],
                ["id"],
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_certification_id"), ["certification_id"], unique=False
            )


def downgrade() -> None:
    for table in ("certificates", "decisions"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_certification_id"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_certification_id_certifications"), type_="foreignkey"
            )
            batch_op.drop_column("certification_id")
    op.execute("DELETE FROM certification_cycles")
    with op.batch_alter_table("certification_cycles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_cycles_certification_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_certification_cycles_certification_id_certifications"),
            type_="foreignkey",
        )
        batch_op.drop_column("origin")
        batch_op.drop_column("certification_id")
        batch_op.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_certification_cycles_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_certification_cycles_organisation_id"), ["organisation_id"], unique=False
        )
    op.drop_table("audit_certifications")
    op.drop_table("certification_sites")
    with op.batch_alter_table("certifications") as batch_op:
        batch_op.drop_index(batch_op.f("ix_certifications_next_due_by"))
        batch_op.drop_index(batch_op.f("ix_certifications_organisation_id"))
    op.drop_table("certifications")
