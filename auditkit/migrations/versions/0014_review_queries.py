"""reviewer queries as threads: what a comment is (a query, or the reasons of a return), the
checklist item it asks about, who closed it; replies go with their thread

Every comment written before this revision was the reasons of a return (the only comment the
CB could write), so existing top-level comments become kind 'return'.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PARENT_FK = "fk_review_comments_parent_id_review_comments"


def upgrade() -> None:
    kind = sa.Enum(
        "query", "return", name="comment_kind", native_enum=False, create_constraint=True, length=32
    )
    with op.batch_alter_table("review_comments") as batch_op:
        batch_op.add_column(sa.Column("kind", kind, nullable=True))
        batch_op.add_column(sa.Column("item_key", sa.String(120), nullable=True))
        batch_op.add_column(
            sa.Column("resolved_by_name", sa.String(200), nullable=False, server_default="")
        )
    op.execute("UPDATE review_comments SET kind = 'return' WHERE parent_id IS NULL")
    op.execute("UPDATE review_comments SET kind = 'query' WHERE kind IS NULL")
    with op.batch_alter_table("review_comments") as batch_op:
        batch_op.alter_column("kind", existing_type=kind, nullable=False)
        batch_op.alter_column("resolved_by_name", server_default=None)
        batch_op.drop_constraint(PARENT_FK, type_="foreignkey")
        batch_op.create_foreign_key(
            PARENT_FK, "review_comments", ["parent_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_review_comments_parent_id", ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_comments") as batch_op:
        batch_op.drop_index("ix_review_comments_parent_id")
        batch_op.drop_constraint(PARENT_FK, type_="foreignkey")
        batch_op.create_foreign_key(PARENT_FK, "review_comments", ["parent_id"], ["id"])
        batch_op.drop_column("resolved_by_name")
        batch_op.drop_column("item_key")
        batch_op.drop_column("kind")
