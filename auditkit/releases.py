"""Releasing the finding report to the client (ISO/IEC 17021-1 9.4.9; DOMAIN.md 1.6-1.8).

After the technical review accepts an audit, a reviewer releases its report: the PDF as
rendered then is stored with its sha256, its size and who released it. Each review round is
released once; a later round (a released audit returned to the team, resubmitted and accepted
again) gives the next revision, and every earlier revision stays readable byte for byte.

Finding numbers are the server's from the moment a finding reaches it (F1, F2, ... in the
order they arrived, never reused: a deleted finding keeps its number), so a number in the
first release means the same finding in every later one.

No Flask here; the caller renders the PDF and owns the transaction.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditkit.models import Audit, ReportRelease
from auditkit.unit_of_work import ServerWork

NOTE_LIMIT = 2000


class ReleaseRefused(Exception):
    """A release that is not possible now; the sentence says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def latest(session: Session, audit_id: uuid.UUID) -> ReportRelease | None:
    return session.scalars(
        select(ReportRelease)
        .where(ReportRelease.audit_id == audit_id)
        .order_by(ReportRelease.revision.desc())
        .limit(1)
    ).first()


def releases(session: Session, audit_id: uuid.UUID) -> list[ReportRelease]:
    """The audit's releases, newest first (their PDFs are not loaded)."""
    return list(
        session.scalars(
            select(ReportRelease)
            .where(ReportRelease.audit_id == audit_id)
            .order_by(ReportRelease.revision.desc())
        )
    )


def check_release(session: Session, audit: Audit) -> None:
    """ReleaseRefused when this review round was released already."""
    last = latest(session, audit.id)
    if last is not None and last.review_round == audit.round:
        raise ReleaseRefused(
            f"Round {audit.round} was released already as revision {last.revision}. A new "
            "revision comes from a new round: return the audit to the team, and accept it again."
        )


def release_report(
    work: ServerWork,
    audit: Audit,
    pdf: bytes,
    *,
    html: str = "",
    note: str = "",
    release_id: uuid.UUID | None = None,
) -> ReportRelease:
    """Release the accepted audit's report as the next revision (workflow move "release"):
    its PDF, and the same report as HTML for the client portal."""
    check_release(work.session, audit)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ReleaseRefused(f"Keep the note under {NOTE_LIMIT} characters.")
    revision = (
        work.session.scalar(
            select(func.max(ReportRelease.revision)).where(ReportRelease.audit_id == audit.id)
        )
        or 0
    ) + 1
    sha256 = hashlib.sha256(pdf).hexdigest()
    work.move(audit, "release", revision=revision, sha256=sha256)
    row = ReportRelease(
        id=release_id or uuid.uuid4(),
        audit_id=audit.id,
        revision=revision,
        review_round=audit.round,
        sha256=sha256,
        size=len(pdf),
        pdf=pdf,
        html=html,
        released_by_id=work.actor.user.id if work.actor.user else None,
        released_by_name=work.actor.name,
        note=note,
    )
    work.session.add(row)
    work.session.flush()
    return row
