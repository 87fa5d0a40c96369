"""`auditkit users add|list|passwd|disable|enable`: CB accounts from the command line (server).

The same rules as the Accounts pages (auditkit.accounts); each change is an audit event by
the command line. Passwords are asked for twice without echo, or read from standard input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlalchemy import select

from auditkit import accounts
from auditkit.cli.apps import prepare_server
from auditkit.config import server_settings
from auditkit.models import Role, User
from auditkit.unit_of_work import Actor, ServerWork

ROLE_NAMES = [r.value for r in accounts.STAFF_ROLES]


@contextmanager
def _work() -> Iterator[ServerWork]:
    from auditkit.db import make_engine, make_session_factory

    prepare_server()
    engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            yield ServerWork(session, Actor.system("cli"))
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        engine.dispose()


def _password(from_stdin: bool, check: Callable[[str], str | None]) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = check(password)
    if problem:
        raise click.ClickException(problem)
    return password


@click.group()
def users() -> None:
    """Server: CB staff accounts (admins, planners, reviewers, decision makers, auditors)."""


@users.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--email", default="", help="Their e-mail address.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLE_NAMES),
    help="A role (repeat for more).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(
    username: str, full_name: str, email: str, roles: tuple[str, ...], password_stdin: bool
) -> None:
    """Create the account USERNAME."""
    password = _password(
        password_stdin,
        lambda p: accounts.password_problem(p, username=username, full_name=full_name),
    )
    with _work() as work:
        new = accounts.NewAccount(username, full_name, email, tuple(map(Role, roles)), password)
        user = accounts.add(work, new)
        name = user.username
    click.echo(f"Created {name} ({', '.join(roles)}).")


@users.command("list")
def users_list() -> None:
    """Every staff account: username, name, roles, status."""
    with _work() as work:
        for user in work.session.scalars(select(User).order_by(User.username)):
            if user.has_role(Role.AUDITEE):
                continue
            state = "active" if user.is_active else "disabled"
            click.echo(
                f"{user.username:<16} {user.full_name:<24} {','.join(user.role_names):<28} {state}"
            )


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_passwd(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME; their sessions and laptop tokens end."""
    with _work() as work:
        user = accounts.find(work.session, username)
        password = _password(
            password_stdin,
            lambda p: accounts.password_problem(
                p, username=user.username, full_name=user.full_name
            ),
        )
        accounts.reset_password(work, user, password)
    click.echo(f"The password of {username} is set; their sessions and laptop tokens ended.")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: every session and laptop token ends at once."""
    with _work() as work:
        ended = accounts.disable(work, accounts.find(work.session, username))
    click.echo(
        f"{username} is disabled: {ended['sessions_ended']} session(s) ended, "
        f"{ended['tokens_revoked']} laptop token(s) revoked."
    )


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Let USERNAME sign in again."""
    with _work() as work:
        accounts.enable(work, accounts.find(work.session, username))
    click.echo(f"{username} can sign in again.")
