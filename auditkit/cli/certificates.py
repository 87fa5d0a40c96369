"""`auditkit certificates`: list them, print one as PDF, export for IAF CertSearch."""

from __future__ import annotations

import click


@click.group()
def certificates() -> None:
    """The CB's certificates (on the server's database)."""


@certificates.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print their public records as JSON.")
def list_command(as_json: bool) -> None:
    """Every certificate's current revision: number, revision, holder, standard, status
    today and expiry. --json prints a list of the public records (what /verify shows)."""
    import json
    from datetime import date

    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from auditkit.certificates import public, status
    from auditkit.certifications.schemes import display_name
    from auditkit.config import server_settings
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import Certificate

    today = date.today()
    engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            found = session.scalars(
                select(Certificate)
                .where(Certificate.is_current.is_(True))
                .order_by(Certificate.number)
                .options(selectinload(Certificate.sites))
            ).all()
            if as_json:
                click.echo(json.dumps([public.view(c, today) for c in found], indent=2))
                return
            lines = [
                (
                    c.number,
                    str(c.revision),
                    c.holder_name,
                    display_name(c.scheme, c.vca_level),
                    status.label(c, today),
                    c.expiry_date.isoformat(),
                )
                for c in found
            ]
    finally:
        engine.dispose()
    if not lines:
        click.echo("No certificates yet.")
        return
    header = ("number", "rev", "holder", "standard", "status", "expiry")
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        cells = (value.ljust(width) for value, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@certificates.command("export")
@click.option(
    "--certsearch", is_flag=True, help="In IAF CertSearch's upload template (the only format)."
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The file to write: .xlsx for Excel, .csv for CSV.",
)
def export_command(certsearch: bool, output: str) -> None:
    """Write every certificate's current revision for upload to IAF CertSearch."""
    from datetime import date
    from pathlib import Path

    from auditkit.certificates import certsearch as template
    from auditkit.config import server_settings
    from auditkit.db import make_engine, make_session_factory

    if not certsearch:
        raise click.UsageError("Name the format to export in: --certsearch.")
    target = Path(output)
    writers = {".xlsx": template.write_xlsx, ".csv": template.write_csv}
    writer = writers.get(target.suffix.lower())
    if writer is None:
        raise click.BadParameter(
            f"{target.name} must end in .xlsx (Excel, CertSearch's template) or .csv.",
            param_hint="-o/--output",
        )
    engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            found = template.rows(session, date.today())
    finally:
        engine.dispose()
    writer(found, target)
    click.echo(f"{len(found)} certificates written to {target}.")


@certificates.command("pdf")
@click.argument("number")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The PDF file to write (replaced if it exists).",
)
def pdf_command(number: str, output: str) -> None:
    """Write the current revision of certificate NUMBER as a PDF signed by the CB.

    Its QR code and printed link point to AUDITKIT_PUBLIC_URL/verify/NUMBER. The key is the
    one named by AUDITKIT_CERT_SIGNING_KEY and AUDITKIT_CERT_SIGNING_CERT, or else the
    server's own (made in its data folder on first use). Exit 2 when PDFs cannot be made on
    this computer.
    """
    import os
    import sys
    import tempfile
    from datetime import date
    from pathlib import Path

    from auditkit.certificates import public, status
    from auditkit.certificates.pdf import render_certificate_pdf
    from auditkit.certificates.signing import SigningKeyError, load_signer
    from auditkit.config import cb_identity, server_settings
    from auditkit.db import make_engine, make_session_factory
    from auditkit.mail.settings import MailSettingsError, mail_settings
    from auditkit.reports.pdf import pdf_available

    available, sentence = pdf_available()
    if not available:
        click.echo(sentence, err=True)
        sys.exit(2)
    settings = server_settings()
    try:
        public_url = mail_settings(settings.data_dir).public_url
        signer = load_signer(settings.data_dir)
    except (MailSettingsError, SigningKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    today = date.today()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            found = public.find(session, number)
            if found is None:
                raise click.ClickException(
                    f"There is no certificate {number.strip()!r} on this server: give its "
                    "number as printed (`auditkit certificates list` shows them)."
                )
            data = render_certificate_pdf(
                found, today=today, public_url=public_url, cb=cb_identity(), signer=signer
            )
            revision, state = found.revision, status.label(found, today)
    finally:
        engine.dispose()
    # The whole file or nothing: a temporary file beside the target, renamed over it.
    target = Path(output)
    fd, temp = tempfile.mkstemp(dir=target.resolve().parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    click.echo(
        f"Wrote certificate {number.strip()} revision {revision} ({state} today) to {target}, "
        f"signed with the key in {signer.origin} (SHA-256 {signer.fingerprint})."
    )
    if state != "valid":
        click.echo(f"The PDF says it is not valid: the certificate is {state}.", err=True)
