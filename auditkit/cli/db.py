"""`auditkit db ...`: database upgrades for the server and the laptop."""

from __future__ import annotations

import click

from auditkit.config import field_settings, prepare_dir, server_settings
from auditkit.migrate import upgrade, upgrade_field_database


@click.group()
def db() -> None:
    """Upgrade the server's or the laptop's database."""


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
