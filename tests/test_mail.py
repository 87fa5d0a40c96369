"""Issue 14 item 5: mail is queued with the change that causes it, sent after the commit
through SMTP (a real local server, aiosmtpd) or into a folder as .eml files, and retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from auditkit import mail
from auditkit.cli import main
from auditkit.db import make_session_factory
from auditkit.models import MailMessage, MailStatus
from tests.mail_server import LocalSMTP, html_of, text_of

EXPIRES = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
CONTEXT = {
    "contact_name": "Eva de Wit",
    "organisation": "Delta <Installatietechniek> B.V.",
    "invited_by": "Petra Planner",
    "link": "http://cb.example/portal/welcome/abc",
    "expires_at": EXPIRES,
}


def _queue(session, settings, to: str = "eva@delta.example") -> MailMessage:  # type: ignore[no-untyped-def]
    return mail.queue(
        session, settings, "invitation", to_address=to, to_name="Eva de Wit",
        context=CONTEXT, cb_name="Example CB",
    )  # fmt: skip


def test_a_message_goes_out_after_commit_as_text_and_html(
    smtp_server: LocalSMTP, server_engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = mail.mail_settings(tmp_path)
    sessions = make_session_factory(server_engine)
    with sessions() as session:
        _queue(session, settings)
        session.rollback()  # the change failed: its message never existed
        assert session.scalars(select(MailMessage)).all() == []
        row = _queue(session, settings)
        assert mail.queued_ids(session) == [row.id]
        session.commit()
    done = mail.deliver(sessions, mail.transport_for(settings), settings)
    assert done.sent == [row.id] and not done.retrying and not done.failed
    [message] = smtp_server.wait_for(1)
    assert smtp_server.recipients == [["eva@delta.example"]]
    assert message["Subject"] == "Your access to the client portal of Example CB"
    assert str(message["From"]) == "Example CB <certification@cb.example>"
    assert str(message["To"]) == "Eva de Wit <eva@delta.example>"
    assert message["Auto-Submitted"] == "auto-generated" and message["Message-ID"]
    text, html = text_of(message), html_of(message)
    assert "Dear Eva de Wit," in text and "http://cb.example/portal/welcome/abc" in text
    assert "until 2026-12-10 09:30 UTC" in text
    assert "Delta <Installatietechniek> B.V." in text  # plain text is not escaped
    assert "Delta &lt;Installatietechniek&gt; B.V." in html  # and HTML is
    assert 'href="http://cb.example/portal/welcome/abc"' in html
    with sessions() as session:
        stored = session.get(MailMessage, row.id)
        assert stored is not None
        assert (stored.status, stored.attempts, stored.last_error) == (MailStatus.SENT, 1, "")
        assert stored.sent_at is not None and stored.message_id == message["Message-ID"]
    # Nothing is due any more: a second run sends nothing again.
    assert mail.deliver(sessions, mail.transport_for(settings), settings).sent == []
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_is_retried_later_and_then_the_message_goes(
    server_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    with LocalSMTP() as later:
        port = later.port
    monkeypatch.setenv("AUDITKIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("AUDITKIT_SMTP_PORT", str(port))  # nobody listens there now
    monkeypatch.setenv("AUDITKIT_SMTP_TLS", "none")
    settings = mail.mail_settings(tmp_path)
    sessions = make_session_factory(server_engine)
    with sessions() as session:
        row = _queue(session, settings)
        session.commit()
    start = datetime.now(UTC)
    done = mail.deliver(sessions, mail.transport_for(settings), settings, now=lambda: start)
    assert done.retrying == [row.id]
    with sessions() as session:
        stored = session.get(MailMessage, row.id)
        assert stored is not None and stored.status == MailStatus.QUEUED
        assert stored.attempts == 1 and "Could not reach the SMTP server" in stored.last_error
        assert stored.next_attempt_at == start + mail.RETRY_AFTER[0]
    # Not due yet: nothing is tried.
    early = start + timedelta(seconds=30)
    assert (
        mail.deliver(sessions, mail.transport_for(settings), settings, now=lambda: early).sent == []
    )
    server = LocalSMTP()
    server.port = port
    server.controller.port = port
    with server:
        due = start + mail.RETRY_AFTER[0]
        done = mail.deliver(sessions, mail.transport_for(settings), settings, now=lambda: due)
        assert done.sent == [row.id]
        assert server.wait_for(1)[0]["Subject"].startswith("Your access")


def test_a_refused_recipient_is_given_up_at_once(
    smtp_server: LocalSMTP, server_engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    smtp_server.refuse.add("gone@delta.example")
    settings = mail.mail_settings(tmp_path)
    sessions = make_session_factory(server_engine)
    with sessions() as session:
        row = _queue(session, settings, to="gone@delta.example")
        session.commit()
    done = mail.deliver(sessions, mail.transport_for(settings), settings)
    assert done.failed == [row.id]
    with sessions() as session:
        stored = session.get(MailMessage, row.id)
        assert stored is not None and stored.status == MailStatus.FAILED
        assert "550" in stored.last_error
    assert smtp_server.messages == []


def test_a_message_claimed_by_another_sender_is_not_sent_twice(
    smtp_server: LocalSMTP, server_engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = mail.mail_settings(tmp_path)
    sessions = make_session_factory(server_engine)
    with sessions() as session:
        row = _queue(session, settings)
        session.commit()
        row.status, row.claimed_at = MailStatus.SENDING, datetime.now(UTC)
        session.commit()  # another worker is sending it right now
    assert mail.deliver(sessions, mail.transport_for(settings), settings).sent == []
    # ... but a claim whose sender died is taken back after a while.
    later = datetime.now(UTC) + timedelta(minutes=16)
    done = mail.deliver(sessions, mail.transport_for(settings), settings, now=lambda: later)
    assert done.sent == [row.id] and len(smtp_server.wait_for(1)) == 1


def test_without_an_smtp_server_mail_send_writes_eml_files(
    server_db_url, server_engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = mail.mail_settings(tmp_path / "server")
    assert settings.host == "" and settings.folder == tmp_path / "server" / "mail-out"
    with make_session_factory(server_engine)() as session:
        _queue(session, settings)
        session.commit()
    result = CliRunner().invoke(main, ["mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 sent to ") and "mail-out" in result.output
    [eml] = list(settings.folder.glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Your access to the client portal of Example CB"
    assert list(settings.folder.glob(".*")) == []  # no half-written file is left
    again = CliRunner().invoke(main, ["mail", "send"])
    assert again.output.startswith("0 sent")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"AUDITKIT_SMTP_TLS": "maybe"}, "AUDITKIT_SMTP_TLS is 'maybe'"),
        ({"AUDITKIT_SMTP_PORT": "smtp"}, "AUDITKIT_SMTP_PORT is 'smtp'"),
        ({"AUDITKIT_SMTP_PORT": "70000"}, "give 1 to 65535"),
        ({"AUDITKIT_SMTP_USER": "cb"}, "together"),
        ({"AUDITKIT_MAIL_FROM": "nobody"}, "AUDITKIT_MAIL_FROM is 'nobody'"),
        ({"AUDITKIT_PUBLIC_URL": "cb.example"}, "with http:// or https://"),
    ],
)
def test_a_mail_setting_that_cannot_work_is_named(env: dict[str, str], says: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(mail.MailSettingsError, match=says.replace("(", r"\(")):
        mail.mail_settings(tmp_path, env)


def test_defaults_follow_the_tls_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    host = {"AUDITKIT_SMTP_HOST": "smtp.example"}
    assert mail.mail_settings(tmp_path, host).port == 587
    assert mail.mail_settings(tmp_path, {**host, "AUDITKIT_SMTP_TLS": "ssl"}).port == 465
    assert mail.mail_settings(tmp_path, {**host, "AUDITKIT_SMTP_TLS": "none"}).port == 25


def test_a_bad_recipient_address_is_refused_before_anything_is_queued(
    server_engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = mail.mail_settings(tmp_path)
    with make_session_factory(server_engine)() as session:
        with pytest.raises(mail.RecipientError):
            _queue(session, settings, to="eva at delta")
        assert not session.new
