"""The `auditkit` command: one click group per domain."""

from __future__ import annotations

import click

from auditkit import __version__
from auditkit.cli.apps import demo, field, server
from auditkit.cli.checklists import checklists
from auditkit.cli.db import db


@click.group()
@click.version_option(__version__, prog_name="auditkit")
def main() -> None:
    """Field audit toolkit: the auditor's laptop app, sync and the CB server."""


main.add_command(field)
main.add_command(server)
main.add_command(demo)
main.add_command(db)
main.add_command(checklists)
