"""mail outbox; the client portal's accounts, invitations and sessions; a released report's
HTML beside its PDF (CB server only)

Revision ID: s0006
Revises: s0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None

MAIL_STATUS = sa.Enum(
    "queued", "sending", "sent", "failed",
    name="mail_status", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("report_releases") as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("to_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("audit_id", sa.Uuid(), nullable=True),
        sa.Column("status", MAIL_STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mail_messages_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_mail_messages_audit_id_audits"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    with op.batch_alter_table("mail_messages") as batch_op:
        batch_op.create_index("ix_mail_messages_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mail_messages_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_messages_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "portal_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_by_name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_portal_accounts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_portal_accounts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_accounts")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_portal_accounts_contact_id")),
        sa.UniqueConstraint("email", name=op.f("uq_portal_accounts_email")),
    )
    with op.batch_alter_table("portal_accounts") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_accounts_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "portal_invitations",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_invitations_account_id_portal_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_portal_invitations_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_invitations")),
    )
    with op.batch_alter_table("portal_invitations") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_invitations_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "portal_sessions",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_sessions_account_id_portal_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_portal_sessions")),
    )
    with op.batch_alter_table("portal_sessions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("portal_sessions")
    op.drop_table("portal_invitations")
    op.drop_table("portal_accounts")
    op.drop_table("mail_messages")
    with op.batch_alter_table("report_releases") as batch_op:
        batch_op.drop_column("html")
