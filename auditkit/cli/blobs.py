"""`auditkit blobs gc [--dry-run]`: the server's photo store, cleared of what nothing needs."""

from __future__ import annotations

import click

from auditkit.config import server_settings


@click.group()
def blobs() -> None:
    """Server: the stored photo bytes (blobs)."""


@blobs.command("gc")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def gc_command(dry_run: bool) -> None:
    """Remove lapsed uploads, their partial files, and blobs nothing references.

    An upload lapses after 24 hours without a chunk; a stored blob that no photo (of any
    audit, deleted ones included) names goes 7 days after its bytes last arrived.
    """
    from auditkit.db import make_engine, make_session_factory
    from sync.engine.blobs import collect_garbage

    settings = server_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            done = collect_garbage(session, settings.blobs_dir, dry_run=dry_run)
    finally:
        engine.dispose()
    verb = "would remove" if dry_run else "removed"
    for upload in done.uploads:
        click.echo(f"{verb} lapsed upload {upload}")
    for name in done.stray_partials:
        click.echo(f"{verb} stray partial file {name}")
    for sha in done.blobs:
        click.echo(f"{verb} unreferenced blob {sha}")
    if done.nothing:
        click.echo("Nothing to remove.")
        return
    click.echo(
        f"{'Would free' if dry_run else 'Freed'} {done.bytes_freed:,} bytes: "
        f"{len(done.uploads)} lapsed uploads, {len(done.stray_partials)} stray partial files, "
        f"{len(done.blobs)} unreferenced blobs."
    )
