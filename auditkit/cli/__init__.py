"""The `auditkit` command: one click group per domain."""

from __future__ import annotations

import click

from auditkit import __version__
from auditkit.cli.apps import demo, field, server
from auditkit.cli.blobs import blobs
from auditkit.cli.certificates import certificates
from auditkit.cli.checklists import checklists
from auditkit.cli.db import db
from auditkit.cli.exchange import export_command, import_command
from auditkit.cli.log import log
from auditkit.cli.mail import mail
from auditkit.cli.plan import plan
from auditkit.cli.report import report
from auditkit.cli.sync import devices, login, logout, sync_command
from auditkit.cli.users import users


@click.group()
@click.version_option(__version__, prog_name="auditkit")
def main() -> None:
    """Field audit toolkit: the auditor's laptop app, sync and the CB server."""


main.add_command(field)
main.add_command(server)
main.add_command(demo)
main.add_command(db)
main.add_command(checklists)
main.add_command(login)
main.add_command(logout)
main.add_command(sync_command)
main.add_command(devices)
main.add_command(export_command)
main.add_command(import_command)
main.add_command(log)
main.add_command(mail)
main.add_command(blobs)
main.add_command(users)
main.add_command(plan)
main.add_command(report)
main.add_command(certificates)
