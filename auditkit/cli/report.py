"""`auditkit report AUDIT -o FILE.pdf`: the audit report of one of this laptop's audits as a PDF,
the same page the field app shows, photos embedded, made offline."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditkit.models import Audit

UNAVAILABLE_EXIT = 2


@click.command()
@click.argument("audit")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write (replaced if it exists).",
)
def report(audit: str, output: Path) -> None:
    """Write the report of AUDIT (its number, e.g. A2026-0001, or its id) to a PDF.

    Exit 0 when written, 1 when this laptop has no such audit, 2 when PDFs cannot be made on
    this computer (WeasyPrint needs Pango; the sentence says what to do instead).
    """
    from auditkit.reports import pdf

    available, sentence = pdf.pdf_available()
    if not available:
        click.echo(sentence, err=True)
        sys.exit(UNAVAILABLE_EXIT)

    from auditkit.cli.apps import prepare_field
    from auditkit.field import create_app
    from auditkit.field.report import render_report_pdf
    from auditkit.web.database import db_session

    prepare_field()
    app = create_app()
    with app.app_context():
        session = db_session()
        found = _audit(session, audit)
        data, missing = render_report_pdf(session, found)
        label = found.number or str(found.id)
    _write(output, data)
    click.echo(f"Wrote the report of audit {label} to {output} ({len(data) / 1e6:.1f} MB).")
    if missing:
        click.echo(
            f"{len(missing)} photo(s) are not on this laptop yet: the PDF shows their captions "
            "only. Sync, then make the PDF again.",
            err=True,
        )


def _audit(session: Session, text: str) -> Audit:
    """One of this laptop's audits, by number or id; exit 1 with a sentence otherwise."""
    from auditkit.field.context import laptop_identity
    from auditkit.models import AuditTeamMember

    identity = laptop_identity()
    try:
        query = select(Audit).where(Audit.id == uuid.UUID(text))
    except ValueError:
        query = select(Audit).where(Audit.number == text.strip())
    found = session.scalars(query).first()
    on_team = (
        identity is not None
        and found is not None
        and session.scalars(
            select(AuditTeamMember.id).where(
                AuditTeamMember.audit_id == found.id, AuditTeamMember.user_id == identity.user_id
            )
        ).first()
        is not None
    )
    if found is None or not on_team:
        raise click.ClickException(
            f"There is no audit {text} on this laptop: give its number (as on the audit list) "
            "or its id."
        )
    return found


def _write(target: Path, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed over it."""
    folder = target.resolve().parent
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
