"""audit content a CB reviewer expects: grades and recommendations by audit type, the
17021-1 9.4.8.3 statements, the register of audit activities, annotated photos, VCA level,
clause details, and the digest version of a sign-off

Stored recommendations keep their meaning: the three values every audit type shared until now
are moved to the values of the audit's type (a surveillance's "certify" is "maintain"). The
laptop's outbox is upcast the same way, so a change queued before the upgrade goes up in the
new vocabulary. VCA findings graded major or minor become deviations.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_RECOMMENDATIONS = ("certify", "certify_after_closure", "do_not_certify")
RECOMMENDATIONS = (
    "ready_for_stage2",
    "ready_once_concerns_resolved",
    "not_ready_for_stage2",
    *OLD_RECOMMENDATIONS,
    "maintain",
    "maintain_after_closure",
    "suspend",
    "extend_scope",
    "extend_scope_after_closure",
    "reduce_scope",
    "restore",
    "no_change",
    "close_follow_up",
    "follow_up_not_closed",
)
OLD_GRADES = ("major", "minor", "observation", "ofi", "positive")
GRADES = (*OLD_GRADES, "concern", "deviation")
# audit type -> old value -> new value (stage 2 and recertification keep theirs)
RECOMMENDATION_MOVES = {
    "stage1": {
        "certify": "ready_for_stage2",
        "certify_after_closure": "ready_once_concerns_resolved",
        "do_not_certify": "not_ready_for_stage2",
    },
    "surveillance": {
        "certify": "maintain",
        "certify_after_closure": "maintain_after_closure",
        "do_not_certify": "suspend",
    },
    "special": {
        "certify": "extend_scope",
        "certify_after_closure": "extend_scope_after_closure",
        "do_not_certify": "no_change",
    },
    "follow_up": {
        "certify": "close_follow_up",
        "certify_after_closure": "follow_up_not_closed",
        "do_not_certify": "follow_up_not_closed",
    },
}


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch_op:
        batch_op.add_column(sa.Column("vca_level", sa.String(length=20), nullable=True))
    with op.batch_alter_table("finding_clauses") as batch_op:
        batch_op.add_column(
            sa.Column("detail", sa.String(length=40), nullable=False, server_default="")
        )
    with op.batch_alter_table("photos") as batch_op:
        batch_op.add_column(sa.Column("annotated_from_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_photos_annotated_from_id"), ["annotated_from_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_photos_annotated_from_id_photos"),
            "photos",
            ["annotated_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("findings") as batch_op:
        batch_op.drop_constraint(op.f("ck_findings_grade"), type_="check")
        batch_op.alter_column(
            "grade", existing_type=sa.String(32), type_=_enum("grade", GRADES), nullable=False
        )
    with op.batch_alter_table("audit_closures") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_closures_recommendation"), type_="check")
        batch_op.alter_column(
            "recommendation",
            existing_type=sa.String(32),
            type_=_enum("recommendation", RECOMMENDATIONS),
            nullable=True,
        )
        for name, values in (
            ("system_effectiveness", ("effective", "effective_except_ncs", "not_effective")),
            ("scope_fit", ("appropriate", "needs_change")),
            ("objectives_met", ("met", "partly", "not_met")),
        ):
            batch_op.add_column(sa.Column(name, _enum(name, values), nullable=True))
        for name in (
            "effectiveness_summary",
            "internal_audit_evidence",
            "management_review_evidence",
            "scope_note",
            "objectives_note",
        ):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("digest_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.create_table(
        "audit_activities",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("auditor_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column(
            "mode", _enum("activity_mode", ("on_site", "remote", "off_site")), nullable=False
        ),
        sa.Column("hours", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.Column("ict", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_activities_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["users.id"], name=op.f("fk_audit_activities_auditor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_audit_activities_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_activities")),
    )
    with op.batch_alter_table("audit_activities") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_activities_audit_id"), ["audit_id"], unique=False
        )
    _move_stored_values()


def _move_stored_values() -> None:
    """Recommendations to their audit type's values; VCA majors and minors to deviations."""
    conn = op.get_bind()
    audits = sa.table("audits", sa.column("id"), sa.column("audit_type"))
    closures = sa.table("audit_closures", sa.column("audit_id"), sa.column("recommendation"))
    for audit_type, moves in RECOMMENDATION_MOVES.items():
        of_type = sa.select(audits.c.id).where(audits.c.audit_type == audit_type)
        for old, new in moves.items():
            conn.execute(
                closures.update()
                .where(closures.c.recommendation == old, closures.c.audit_id.in_(of_type))
                .values(recommendation=new)
            )
    checklists = sa.table("audit_checklists", sa.column("audit_id"), sa.column("checklist_id"))
    findings = sa.table("findings", sa.column("audit_id"), sa.column("grade"))
    vca_audits = sa.select(checklists.c.audit_id).where(checklists.c.checklist_id.like("vca-%"))
    conn.execute(
        findings.update()
        .where(findings.c.grade.in_(("major", "minor")), findings.c.audit_id.in_(vca_audits))
        .values(grade="deviation")
    )
    _upcast_outbox(conn, audits)


def _upcast_outbox(conn, audits) -> None:  # type: ignore[no-untyped-def]
    """Changes a laptop queued before this upgrade carry old recommendation values."""
    outbox = sa.table(
        "outbox",
        sa.column("seq"),
        sa.column("name"),
        sa.column("audit_id"),
        sa.column("payload", sa.JSON()),
    )
    rows = conn.execute(
        sa.select(outbox.c.seq, outbox.c.payload, audits.c.audit_type)
        .join(audits, audits.c.id == outbox.c.audit_id)
        .where(outbox.c.name == "closure.set.v1")
    ).all()
    for seq, payload, audit_type in rows:
        moved = RECOMMENDATION_MOVES.get(audit_type, {}).get((payload or {}).get("recommendation"))
        if moved:
            conn.execute(
                outbox.update()
                .where(outbox.c.seq == seq)
                .values(payload={**payload, "recommendation": moved})
            )


def downgrade() -> None:
    op.drop_table("audit_activities")
    with op.batch_alter_table("audit_closures") as batch_op:
        for name in (
            "digest_version",
            "objectives_note",
            "scope_note",
            "management_review_evidence",
            "internal_audit_evidence",
            "effectiveness_summary",
            "objectives_met",
            "scope_fit",
            "system_effectiveness",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("photos") as batch_op:
        batch_op.drop_constraint("fk_photos_annotated_from_id_photos", type_="foreignkey")
        batch_op.drop_index("ix_photos_annotated_from_id")
        batch_op.drop_column("annotated_from_id")
    with op.batch_alter_table("finding_clauses") as batch_op:
        batch_op.drop_column("detail")
    with op.batch_alter_table("audits") as batch_op:
        batch_op.drop_column("vca_level")
