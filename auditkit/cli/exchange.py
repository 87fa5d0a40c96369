"""`auditkit export` (laptop) and `auditkit import` (server): audits on a file, no network."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click
from sqlalchemy import select

from auditkit.cli.apps import prepare_field
from auditkit.config import field_settings, prepare_dir, server_settings


@click.command("export")
@click.argument("audit")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The package file to write (a .zip).",
)
def export_command(audit: str, output: Path) -> None:
    """Laptop: write AUDIT's unsent changes and their photos to one file for the CB.

    AUDIT is the audit's id or number. The changes stay queued here: the next online sync
    sends them again and the server answers that it has them already.
    """
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import Audit
    from auditkit.photostore import PhotoStore
    from sync import device_keys
    from sync.package import PackageError, build_package

    prepare_field()
    settings = field_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            audit_id = _audit_id(audit) or session.scalar(
                select(Audit.id).where(Audit.number == audit)
            )
            if audit_id is None:
                raise click.ClickException(f"This laptop has no audit {audit!r}.")
            key = device_keys.load(settings.data_dir)
            photos = PhotoStore(settings.photos_dir)
            summary = build_package(session, photos, audit_id, output, key)
    except PackageError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(
        f"Wrote {summary.path}: {summary.mutations} changes and {summary.photos} photos of "
        f"audit {summary.audit_label}. Give this file to the CB to import."
    )
    if summary.other_audits:
        click.echo(
            "It also carries earlier unsent changes of "
            + ", ".join(summary.other_audits)
            + " (the server applies a laptop's changes in order)."
        )
    click.echo("The changes stay queued on this laptop until an online sync confirms them.")


def _audit_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def import_command(file: Path, as_json: bool) -> None:
    """Server: import an audit package made by `auditkit export` (twice changes nothing).

    Exit 0 when every change was handled (applied, already there or refused for a reason),
    1 when the import stopped early; a refused package changes nothing.
    """
    from auditkit.db import make_engine, make_session_factory
    from auditkit.photostore import PhotoStore
    from sync.package import PackageError, import_package

    settings = server_settings()
    prepare_dir(settings.data_dir)
    prepare_dir(settings.blobs_dir)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            result = import_package(session, PhotoStore(settings.blobs_dir), file)
    except PackageError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(result.__dict__ | {"ok": result.ok}))
    else:
        click.echo(
            f"Imported {file.name} from {result.username} for audit {result.audit_label}: "
            f"{result.applied} changes applied, {result.duplicates} already there, "
            f"{result.rejected} refused; {result.photos_stored} photos stored, "
            f"{result.photos_present} already there."
        )
        for rejection in result.rejections:
            again = " (refused before)" if rejection["duplicate"] else ""
            click.echo(
                f"  refused #{rejection['seq']} {rejection['name']}{again}: {rejection['message']}"
            )
        if result.error:
            click.echo(f"Import stopped: {result.error}", err=True)
    sys.exit(0 if result.ok else 1)
