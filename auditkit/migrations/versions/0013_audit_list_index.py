"""an index on audits (start_date, id), the order every list of audits is shown in; and
trainees on an audit team

Without the index a page of the CB's audit list sorts every audit (bench/bench_planning.py).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


ROLES = ("lead", "auditor", "technical_expert", "observer")


def _roles(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="team_role", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.create_index("ix_audits_start_date_id", ["start_date", "id"], unique=False)
    with op.batch_alter_table("audit_team_members") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_team_members_team_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(32), type_=_roles((*ROLES, "trainee")), nullable=False
        )


def downgrade() -> None:
    op.execute("UPDATE audit_team_members SET role = 'observer' WHERE role = 'trainee'")
    with op.batch_alter_table("audit_team_members") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_team_members_team_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(32), type_=_roles(ROLES), nullable=False
        )
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_index("ix_audits_start_date_id")
