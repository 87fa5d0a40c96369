"""the tamper-evident audit log (hash chains) and the report_released audit status

Events become hash-chained: one chain per audit on the server, one per laptop on a laptop.
Events already stored are chained in the order they were written. The log keeps no foreign
keys: an append-only record must not change when the audit or user it names does.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditkit.audit_log import GENESIS, SERVER_CHAIN, event_hash

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATUSES = (
    "planned",
    "in_progress",
    "submitted",
    "returned",
    "accepted",
    "report_released",
    "decided",
)


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_constraint(op.f("ck_audits_audit_status"), type_="check")
        batch_op.alter_column(
            "status",
            existing_type=sa.String(32),
            type_=sa.Enum(
                *STATUSES, name="audit_status", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        )
    op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.String(length=60), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_heads")),
    )
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_constraint("fk_audit_events_actor_id_users", type_="foreignkey")
        batch_op.drop_constraint("fk_audit_events_audit_id_audits", type_="foreignkey")
        for name, column in (
            ("chain", sa.String(length=60)),
            ("seq", sa.Integer()),
            ("prev_hash", sa.String(length=64)),
            ("hash", sa.String(length=64)),
        ):
            batch_op.add_column(sa.Column(name, column, nullable=True))
        batch_op.add_column(sa.Column("device_time", sa.DateTime(timezone=True), nullable=True))
        for name, length in (
            ("actor_name", 200),
            ("origin", 200),
            ("entity", 40),
            ("entity_id", 120),
        ):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
    _chain_existing_events()
    with op.batch_alter_table("audit_events") as batch_op:
        for name in ("chain", "seq", "prev_hash", "hash"):
            batch_op.alter_column(name, nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_chain_seq"), ["chain", "seq"])


def _chain_existing_events() -> None:
    """Put the events written so far in chains, oldest first, with their hashes."""
    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Uuid()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("audit_id", sa.Uuid()),
        sa.column("actor_id", sa.Uuid()),
        sa.column("action", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("chain", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
        sa.column("entity_id", sa.String()),
    )
    heads = sa.table("audit_chain_heads", sa.column("chain"), sa.column("seq"), sa.column("hash"))
    identity = sa.table("laptop_identity", sa.column("device_id", sa.Uuid()))
    device = conn.execute(sa.select(identity.c.device_id)).scalar()  # a laptop has one
    ends: dict[str, tuple[int, str]] = {}
    for row in conn.execute(sa.select(events).order_by(events.c.at, events.c.id)).mappings():
        if device is not None:
            chain = f"device:{device}"
        else:
            chain = f"audit:{row['audit_id']}" if row["audit_id"] else SERVER_CHAIN
        seq, prev = ends.get(chain, (0, GENESIS))
        detail = dict(row["detail"] or {})
        entity_id = str(detail.pop("entity_id", ""))[:120]
        fields = {
            "chain": chain,
            "seq": seq + 1,
            "at": row["at"],
            "audit_id": row["audit_id"],
            "actor_id": row["actor_id"],
            "action": row["action"],
            "entity_id": entity_id,
            "detail": detail,
        }
        digest = event_hash(fields, prev)
        conn.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(
                chain=chain,
                seq=seq + 1,
                prev_hash=prev,
                hash=digest,
                entity_id=entity_id,
                detail=detail,
            )
        )
        ends[chain] = (seq + 1, digest)
    for chain, (seq, digest) in ends.items():
        conn.execute(heads.insert().values(chain=chain, seq=seq, hash=digest))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_chain_seq"), type_="unique")
        for name in (
            "entity_id",
            "entity",
            "origin",
            "actor_name",
            "device_time",
            "hash",
            "prev_hash",
            "seq",
            "chain",
        ):
            batch_op.drop_column(name)
    op.drop_table("audit_chain_heads")
