"""One way to change server data: the counterpart of auditkit/capture/ for the CB server.

A `ServerWork` wraps the session of one request, CLI command or sync batch and the person (or
laptop) behind it. Every change that laptops must see goes through `changed()` (the pull change
log and the audit's content version); every change writes an event in the audit log through
`event()` (who, what, when, from where); audit status moves go through `move()`, which asks
auditkit.workflow. Nothing commits here: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit import audit_log, workflow
from auditkit.models import Audit, AuditTeamMember, SyncChange, TeamRole, User


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where: a signed-in person's address, a laptop, the command line."""

    user: User | None
    origin: str
    device_id: uuid.UUID | None = None

    @property
    def roles(self) -> frozenset:  # type: ignore[type-arg]
        return frozenset(r.role for r in self.user.roles) if self.user else frozenset()

    @property
    def name(self) -> str:
        return self.user.full_name if self.user else ""

    @classmethod
    def system(cls, origin: str = "cli") -> Actor:
        return cls(None, origin)


@dataclass
class ServerWork:
    session: Session
    actor: Actor
    # audit id -> the actor's role on its team (None: not on it), looked up once per unit.
    _team_roles: dict[uuid.UUID, TeamRole | None] = field(default_factory=dict)

    def team_role(self, audit: Audit) -> TeamRole | None:
        if self.actor.user is None:
            return None
        if audit.id not in self._team_roles:
            self._team_roles[audit.id] = self.session.scalars(
                select(AuditTeamMember.role).where(
                    AuditTeamMember.audit_id == audit.id,
                    AuditTeamMember.user_id == self.actor.user.id,
                )
            ).first()
        return self._team_roles[audit.id]

    def changed(self, audit: Audit, entity: str, entity_id: str, *, content: bool = True) -> None:
        """Log a change for the team's laptops to pull; `content` counts it in the audit's
        content version (what submit compares with the lead's last pull)."""
        if content:
            audit.content_version += 1
        self.session.add(
            SyncChange(
                audit_id=audit.id,
                entity=entity,
                entity_id=entity_id,
                device_id=self.actor.device_id,
                content_version=audit.content_version,
            )
        )

    def event(
        self,
        action: str,
        *,
        audit_id: uuid.UUID | None = None,
        entity: str = "",
        entity_id: str = "",
        detail: dict[str, Any] | None = None,
        device_time: datetime | None = None,
    ) -> None:
        """Write an event in the audit's chain (or the CB's, for events of no audit)."""
        chain = audit_log.audit_chain(audit_id) if audit_id else audit_log.SERVER_CHAIN
        audit_log.append(
            self.session,
            chain,
            action,
            audit_id=audit_id,
            actor_id=self.actor.user.id if self.actor.user else None,
            actor_name=self.actor.name,
            origin=self.actor.origin,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
            device_time=device_time,
        )

    def move(self, audit: Audit, move_name: str, **detail: Any) -> workflow.Move:
        """Make a workflow move (MoveRefused if it is not allowed), log it for the laptops
        and in the audit log."""
        move = workflow.check(
            move_name, audit.status, roles=self.actor.roles, team_role=self.team_role(audit)
        )
        before = audit.status
        audit.status = move.target
        audit.status_version += 1
        self.changed(audit, "audit", str(audit.id), content=False)
        self.event(
            f"audit.{move.name}",
            audit_id=audit.id,
            entity="audit",
            entity_id=str(audit.id),
            detail={"from": before.value, "to": move.target.value, **detail},
        )
        if audit.certifications:
            # Late import: the programme reads certifications, which write through this module.
            from auditkit.certifications.overview import refresh_next_due

            for certification in audit.certifications:
                refresh_next_due(certification, date.today())
        return move
