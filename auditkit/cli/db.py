"""`auditkit db ...`: database upgrades for the server and the laptop, and the server's pruning."""

from __future__ import annotations

import click

from auditkit.config import field_settings, prepare_dir, server_settings
from auditkit.migrate import upgrade, upgrade_field_database


@click.group()
def db() -> None:
    """Upgrade the server's or the laptop's database; prune the server's."""


@db.command("upgrade")
@click.option("--field", "field_db", is_flag=True, help="Upgrade the laptop's database instead.")
def upgrade_command(field_db: bool) -> None:
    """Bring the database to the newest schema."""
    if field_db:
        settings = field_settings()
        prepare_dir(settings.data_dir)
        backup = upgrade_field_database(settings.database_path, settings.backups_dir)
        if backup:
            click.echo(f"Backup written to {backup}")
        click.echo(f"Laptop database up to date: {settings.database_path}")
        return
    server = server_settings()
    prepare_dir(server.data_dir)
    upgrade(server.database_url)
    click.echo(f"Server database up to date: {_safe_url(server.database_url)}")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db.command("prune")
@click.option(
    "--older-than-hours",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Keep the counts of windows that began within this many hours.",
)
def prune_command(older_than_hours: int) -> None:
    """Server: delete the public check's request counts of windows long over.

    The rate limit keeps one row per client address; a row whose window has ended counts for
    nothing (the address starts afresh), so rows only pile up. Run it daily, e.g. from cron.
    """
    from datetime import timedelta

    from auditkit import rate_limit
    from auditkit.db import make_engine, make_session_factory

    settings = server_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            removed = rate_limit.prune(session, older_than=timedelta(hours=older_than_hours))
    finally:
        engine.dispose()
    click.echo(f"Removed {removed} request count{'' if removed == 1 else 's'} of ended windows.")
