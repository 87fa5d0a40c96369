"""`auditkit mail send`: send the CB server's queued mail (for a cron job or a timer)."""

from __future__ import annotations

import click

from auditkit.config import server_settings


@click.group()
def mail() -> None:
    """Server: the mail outbox."""


@mail.command("send")
def send_command() -> None:
    """Send every queued message that is due, and retry those that failed for a while.

    The server sends new messages itself right after the change that queued them; this
    catches up on what it could not send (the SMTP server was down, the server restarted).
    """
    from auditkit import mail as outbox
    from auditkit.db import make_engine, make_session_factory

    settings = server_settings()
    try:
        mail_settings = outbox.mail_settings(settings.data_dir)
    except outbox.MailSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(settings.database_url)
    try:
        done = outbox.deliver(
            make_session_factory(engine),
            outbox.transport_for(mail_settings),
            mail_settings,
            limit=10_000,
        )
    finally:
        engine.dispose()
    where = (
        f"{mail_settings.host}:{mail_settings.port}" if mail_settings.host else mail_settings.folder
    )
    click.echo(
        f"{len(done.sent)} sent to {where}, {len(done.retrying)} to retry later, "
        f"{len(done.failed)} given up."
    )
    if done.failed:
        raise SystemExit(1)


@mail.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Act as on this day.")
def remind_command(today) -> None:  # type: ignore[no-untyped-def]
    """Queue reminders of corrective-action deadlines coming up, and notices of those passed.

    Run it once a day (cron or a timer), then `auditkit mail send`. Each message goes once
    per contact and deadline; the days before a deadline come from AUDITKIT_CAPA_REMIND_DAYS.
    """
    from datetime import date

    from auditkit import mail as outbox
    from auditkit.config import cb_identity
    from auditkit.corrective_actions.deadlines import PolicyError
    from auditkit.db import make_engine, make_session_factory
    from auditkit.portal.reminders import queue_reminders

    settings = server_settings()
    try:
        mailer = outbox.Mailer(outbox.mail_settings(settings.data_dir), cb_identity().name)
    except outbox.MailSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            queued = queue_reminders(session, mailer, today.date() if today else date.today())
            kinds = [m.kind for m in queued]
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(
        f"{kinds.count('deadline_reminder')} reminders and {kinds.count('deadline_overdue')} "
        "overdue notices queued; `auditkit mail send` sends them."
    )
