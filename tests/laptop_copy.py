"""Tests only: put an audit on a laptop database by copying rows, without HTTP.

Field-app tests need a laptop that holds the demo audit; a real enrolment and pull (what
`auditkit demo` does, tested in tests/sync/) would cost a server per test. This copies the
same rows a pull brings: the audit, its organisation, sites, contacts, team and pinned
checklists, and the team's users without their password hashes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, Table, select

from auditkit.demo import demo_id
from auditkit.models import AuditChecklist, Base, audit_sites


def copy_audit_to_laptop(
    server: Engine, laptop: Engine, audit_id: uuid.UUID, username: str
) -> None:
    """Copy one audit and what it needs from the server database to the laptop's.

    Passwords never reach the laptop. Rows already present are left as they are,
    so the copy is idempotent and never overwrites work done on the laptop.
    """
    tables = Base.metadata.tables
    with server.connect() as src:
        audit = src.execute(select(tables["audits"]).where(tables["audits"].c.id == audit_id)).one()
        team = src.execute(
            select(tables["audit_team_members"]).where(
                tables["audit_team_members"].c.audit_id == audit_id
            )
        ).all()
        user_ids = [m.user_id for m in team]
        rows: list[tuple[Table, list[dict]]] = [
            (tables["users"], _rows(src, tables["users"], tables["users"].c.id.in_(user_ids))),
            (
                tables["user_roles"],
                _rows(src, tables["user_roles"], tables["user_roles"].c.user_id.in_(user_ids)),
            ),
            (
                tables["organisations"],
                _rows(
                    src,
                    tables["organisations"],
                    tables["organisations"].c.id == audit.organisation_id,
                ),
            ),
            (
                tables["sites"],
                _rows(
                    src, tables["sites"], tables["sites"].c.organisation_id == audit.organisation_id
                ),
            ),
            (
                tables["contacts"],
                _rows(
                    src,
                    tables["contacts"],
                    tables["contacts"].c.organisation_id == audit.organisation_id,
                ),
            ),
            (tables["audits"], [dict(audit._mapping)]),
            (audit_sites, _rows(src, audit_sites, audit_sites.c.audit_id == audit_id)),
            (tables["audit_team_members"], [dict(m._mapping) for m in team]),
            (
                tables["audit_checklists"],
                _rows(
                    src,
                    AuditChecklist.__table__,
                    AuditChecklist.__table__.c.audit_id == audit_id,
                ),
            ),
        ]
    for table, table_rows in rows:
        for row in table_rows:
            if table.name == "users":
                row["password_hash"] = ""
            if table.name == "contacts":
                row["user_id"] = None
    with laptop.begin() as dst:
        for table, table_rows in rows:
            for row in table_rows:
                key = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
                if dst.execute(select(*table.primary_key.columns).where(*key)).first() is None:
                    dst.execute(table.insert().values(**row))
        identity = tables["laptop_identity"]
        if dst.execute(select(identity.c.id)).first() is None:
            user_id = demo_id(f"user:{username}")
            dst.execute(
                identity.insert().values(
                    id=1, user_id=user_id, device_id=uuid.uuid4(), server_url=""
                )
            )


def _rows(conn, table: Table, where) -> list[dict]:  # type: ignore[no-untyped-def]
    return [dict(r._mapping) for r in conn.execute(select(table).where(where))]
