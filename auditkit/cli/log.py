"""`auditkit log verify [--field]`: check the hash chains of the audit log."""

from __future__ import annotations

import click

from auditkit.config import field_settings, server_settings


@click.group()
def log() -> None:
    """The tamper-evident audit log."""


@log.command("verify")
@click.option("--field", "field_db", is_flag=True, help="Check this laptop's log instead.")
def verify_command(field_db: bool) -> None:
    """Walk every chain; name the first broken link of each, and exit 1 if there is one."""
    from auditkit.audit_log import verify
    from auditkit.db import make_engine, make_session_factory

    url = field_settings().database_url if field_db else server_settings().database_url
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            result = verify(session)
    finally:
        engine.dispose()
    where = "laptop" if field_db else "server"
    for broken in result.breaks:
        click.echo(f"BROKEN {broken}", err=True)
    if not result.ok:
        click.echo(
            f"The {where}'s audit log has {len(result.breaks)} broken chain(s) of "
            f"{result.chains}; {result.events} events read.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"The {where}'s audit log is intact: {result.chains} chains, {result.events} events."
    )
