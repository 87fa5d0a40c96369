"""Handing a message over: to an SMTP server (smtplib), or into a folder as an .eml file.

A transport raises `TemporaryFailure` when trying again later may work (the server is down,
busy, or answers 4xx) and `PermanentFailure` when it will not (the recipient is refused with
5xx, the sign-in is wrong): auditkit.mail.outbox retries the one and gives up on the other.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from auditkit.files import private_dir
from auditkit.mail.settings import MailSettings

TIMEOUT_S = 20


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            if s.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_S)
            with client:
                if s.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.user:
                    client.login(s.user, s.password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"The SMTP server refused the sign-in: {_said(exc)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            failure = TemporaryFailure if all(400 <= c < 500 for c in codes) else PermanentFailure
            raise failure(f"The SMTP server refused the recipient: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            failure = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
            raise failure(f"The SMTP server answered {_said(exc)}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"The SMTP server does not offer this: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, cut off, TLS
            raise TemporaryFailure(
                f"Could not reach the SMTP server {s.host}:{s.port}: {exc}"
            ) from exc


class FolderTransport:
    """Each message as <folder>/<UTC time>-<id>.eml, written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        private_dir(self.folder)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temp = self.folder / f".{name}.tmp"
        try:
            with open(temp, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.folder / name)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise TemporaryFailure(f"Could not write {self.folder / name}: {exc}") from exc


def transport_for(settings: MailSettings) -> Transport:
    return SmtpTransport(settings) if settings.host else FolderTransport(settings.folder)


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()


__all__ = [
    "FolderTransport",
    "PermanentFailure",
    "SmtpTransport",
    "TemporaryFailure",
    "Transport",
    "transport_for",
]
