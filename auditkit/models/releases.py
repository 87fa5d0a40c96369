"""CB server only (the `server` migration branch): the finding report as released to the
client, one revision per review round (auditkit.releases).

The PDF's bytes are stored in the row, not in the blob store: the blob store keeps what the
laptops upload and sweeps what no photo names (`auditkit blobs gc`), while a released report
must stay readable, byte for byte, for as long as the audit's records are kept. In the row it
is written in the same transaction as the release itself, so there is never a release
without its PDF. The bytes are deferred: lists of releases never load them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditkit.models.base import Base, utcnow


class ReportRelease(Base):
    __tablename__ = "report_releases"
    __table_args__ = (UniqueConstraint("audit_id", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int]
    review_round: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # The same report as the client portal shows it, rendered from the same data at the same
    # moment (its photos are the portal's links to them): the HTML beside the PDF.
    html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    released_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    released_by_name: Mapped[str] = mapped_column(String(200), default="")
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
