"""What the portal shows of certification: the organisation's decisions and certificates
(no Flask). Every lookup takes the contact's organisation, so another's is None."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditkit.models import Certificate, Decision


def decisions(session: Session, organisation_id: uuid.UUID) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.organisation_id == organisation_id)
            .order_by(Decision.decided_at.desc())
        )
    )


def certificates(session: Session, organisation_id: uuid.UUID) -> list[Certificate]:
    """Every revision of the organisation's certificates, current ones first."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.organisation_id == organisation_id)
            .order_by(
                Certificate.is_current.desc(), Certificate.number, Certificate.revision.desc()
            )
            .options(selectinload(Certificate.sites))
        )
    )


def current(session: Session, organisation_id: uuid.UUID, number: str) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(
            Certificate.organisation_id == organisation_id,
            Certificate.number == number,
            Certificate.is_current.is_(True),
        )
    ).first()
