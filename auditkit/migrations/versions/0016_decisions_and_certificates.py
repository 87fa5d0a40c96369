"""decisions and certificates rebuilt for the decision maker's page: the audits a decision
rests on, its effective date, basis, suspension limit and scope change; certificate revisions
that copy the holder and sites as certified and mark the current one; a client's choice to be
listed in the public directory

The old tables were never written (no page wrote them), so they are replaced, not moved.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OUTCOME = sa.Enum(
    "grant", "refuse", "maintain", "renew", "suspend", "restore", "withdraw", "expand_scope",
    "reduce_scope",
    name="decision_outcome", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip
STATUS = sa.Enum(
    "draft", "active", "suspended", "withdrawn", "expired", "cancelled", "inactive",
    name="certificate_status", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(
            sa.Column("public_directory", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.drop_table("certificate_sites")
    op.drop_table("certificates")
    op.drop_table("decisions")
    op.create_table(
        "decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", OUTCOME, nullable=False),
        sa.Column("basis", sa.String(30), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=False),
        sa.Column("decided_by_name", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("gate_results", sa.JSON(), nullable=False),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.Column("scope_change", sa.JSON(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_decisions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_decisions_certification_id_certifications"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["certification_cycles.id"],
            name=op.f("fk_decisions_cycle_id_certification_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decisions_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decisions_certification_id"), ["certification_id"], unique=False
        )
    op.create_table(
        "decision_audits",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_audits_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_decision_audits_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", "audit_id", name=op.f("pk_decision_audits")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("holder_address", sa.Text(), nullable=False),
        sa.Column("holder_city", sa.String(100), nullable=False),
        sa.Column("holder_country", sa.String(2), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("standards", sa.JSON(), nullable=False),
        sa.Column("vca_level", sa.String(20), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("sector_codes", sa.JSON(), nullable=False),
        sa.Column("original_date", sa.Date(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("accredited", sa.Boolean(), nullable=False),
        sa.Column("soa_version", sa.String(80), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_certificates_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_certificates_certification_id_certifications"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["certification_cycles.id"],
            name=op.f("fk_certificates_cycle_id_certification_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_certificates_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_supersedes_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", "revision", name=op.f("uq_certificates_number_revision")),
    )
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.create_index(
            "ix_certificates_current_number", ["number", "is_current"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_certification_id"), ["certification_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_holder_name"), ["holder_name"], unique=False
        )
    op.create_table(
        "certificate_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("is_headquarters", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_sites_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_certificate_sites_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_sites")),
    )
    with op.batch_alter_table("certificate_sites") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_sites_certificate_id"), ["certificate_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("certificate_sites")
    op.drop_table("certificates")
    op.drop_table("decision_audits")
    op.drop_table("decisions")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("public_directory")
    # The earlier shape (0003, 0011) is not restored: it never held data.
