"""`auditkit login`, `logout`, `sync` (laptop) and `auditkit devices ...` (server)."""

from __future__ import annotations

import json
import sys
import uuid
from typing import NoReturn

import click
from sqlalchemy import select

from auditkit.cli.apps import prepare_field
from auditkit.config import field_settings, server_settings


def fail(as_json: bool, code: str, message: str) -> NoReturn:
    """End a command that could not do its work: exit 1 with the code and the sentence."""
    if as_json:
        click.echo(json.dumps({"ok": False, "error_code": code, "error": message}))
        sys.exit(1)
    raise click.ClickException(message)


@click.command()
@click.argument("url")
@click.option("--username", prompt=True, help="Your CB username.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def login(url: str, username: str, password_stdin: bool, as_json: bool) -> None:
    """Link this laptop to the CB server at URL (online, once), such as https://cb.example.org.

    Exit 0 when linked, 1 when not (the reason says what to do; nothing was changed).
    """
    from sync.client.enrol import login as do_login
    from sync.client.http import ServerUnreachable, SyncError, check_url

    try:
        check_url(url)  # before asking for the password
    except ServerUnreachable as exc:
        fail(as_json, exc.code, exc.message)
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else click.prompt("Password", hide_input=True)
    )
    prepare_field()
    try:
        credentials = do_login(field_settings().data_dir, url, username, password)
    except (SyncError, ServerUnreachable) as exc:
        fail(as_json, exc.code, exc.message)
    if as_json:
        linked = {"server_url": url, "username": credentials.username}
        click.echo(json.dumps({"ok": True, **linked, "device_id": credentials.device_id}))
        return
    click.echo(
        f"This laptop is linked to {url} as {credentials.username} "
        f"(device {credentials.device_id})."
    )


@click.command()
@click.option("--force", is_flag=True, help="Log out even with unsent changes (they stay here).")
def logout(force: bool) -> None:
    """Unlink this laptop: the server revokes its tokens and they are deleted here."""
    from sync.client.enrol import logout as do_logout
    from sync.client.http import SyncError

    try:
        result = do_logout(field_settings().data_dir, force=force)
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc
    if not result.was_linked:
        click.echo("This laptop was not logged in.")
    elif result.server_told:
        click.echo("Logged out: the server revoked this laptop's tokens.")
    else:
        click.echo(
            "Logged out here. The server could not be reached, so it still accepts this "
            "laptop's tokens until it is told: that happens at the next `auditkit login` or "
            "`auditkit sync` with a network."
        )


PHASES = {  # phase -> (what it says, unit of its counts)
    "upload": ("photos up", "bytes"),
    "push": ("changes sent", "items"),
    "pull": ("changes received", "items"),
    "download": ("photos down", "items"),
}


def progress_line(phase: str, done: int, total: int, width: int = 24) -> str:
    """One line of `auditkit sync` progress: a bar, then counts (MB for photo bytes)."""
    label, unit = PHASES.get(phase, (phase, "items"))
    share = 1.0 if total <= 0 else min(done / total, 1.0)
    filled = round(share * width)
    bar = "#" * filled + "-" * (width - filled)
    counts = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if unit == "bytes" else f"{done}/{total}"
    return f"{label:>16} [{bar}] {share:4.0%} {counts}   "


@click.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def sync_command(as_json: bool) -> None:
    """Send this laptop's changes and photos, and fetch the team's (exit 0 when all are sent)."""
    from sync.client.http import SyncError
    from sync.client.run import SyncBusy, sync_now

    prepare_field()

    def progress(phase: str, done: int, total: int) -> None:
        if not as_json and sys.stderr.isatty():
            click.echo("\r" + progress_line(phase, done, total), err=True, nl=False)

    try:
        summary = sync_now(field_settings().data_dir, progress)
    except SyncError as exc:
        fail(as_json, exc.code, exc.message)
    except SyncBusy as exc:
        fail(as_json, "busy", f"{exc} Wait for it to finish, then try again.")
    if as_json:
        click.echo(json.dumps(summary.__dict__ | {"ok": summary.ok}, default=str))
    else:
        if sys.stderr.isatty():
            click.echo("", err=True)
        click.echo(
            f"Sent {summary.pushed} changes ({summary.applied} applied, {summary.duplicates} "
            f"already there, {summary.rejected} refused), {summary.blobs_uploaded} photos "
            f"({summary.bytes_uploaded} bytes); received {summary.pulled} changes and "
            f"{summary.photos_downloaded} photos."
        )
        for rejection in summary.rejections:
            click.echo(f"  refused #{rejection['seq']} {rejection['name']}: {rejection['message']}")
        if summary.error:
            click.echo(f"Sync stopped: {summary.error}", err=True)
        elif summary.pending:
            click.echo(f"{summary.pending} changes are still waiting to be sent.", err=True)
        if summary.photos_damaged:
            click.echo(
                f"{summary.photos_damaged} teammates' photos arrived damaged twice; "
                "the next sync fetches them again.",
                err=True,
            )
        if summary.unsent_photos:
            click.echo(
                f"{summary.unsent_photos} photos cannot be sent: their files are missing "
                "from this laptop's photo folder.",
                err=True,
            )
    sys.exit(0 if summary.ok else 1)


@click.group()
def devices() -> None:
    """Server: list and revoke auditors' laptops."""


@devices.command("list")
def devices_list() -> None:
    """Every registered laptop with its auditor and state."""
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import Device, User

    engine = make_engine(server_settings().database_url)
    with make_session_factory(engine)() as session:
        for device, user in session.execute(
            select(Device, User).join(User, User.id == Device.user_id).order_by(User.username)
        ):
            state = f"revoked {device.revoked_at:%Y-%m-%d}" if device.revoked_at else "active"
            click.echo(
                f"{device.id}  {user.username:<12} {device.label:<24} "
                f"last seq {device.last_seq:<6} {state}"
            )
    engine.dispose()


@devices.command("revoke")
@click.argument("device_id")
def devices_revoke(device_id: str) -> None:
    """Revoke a laptop: its tokens stop working at once."""
    from auditkit.db import make_engine, make_session_factory
    from sync.server.auth import revoke_device

    try:
        wanted = uuid.UUID(device_id)
    except ValueError as exc:
        raise click.BadParameter("give the device id as shown by `auditkit devices list`") from exc
    engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            revoke_device(session, wanted)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"Device {device_id} is revoked.")
