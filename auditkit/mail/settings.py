"""Where mail goes: an SMTP server named by the environment, or, with none, a folder.

AUDITKIT_SMTP_HOST     the SMTP server; unset or empty: messages are written as .eml files
                       into <server data folder>/mail-out (the demo's default)
AUDITKIT_SMTP_PORT     default 587 with starttls, 465 with ssl, 25 with none
AUDITKIT_SMTP_TLS      starttls (default), ssl, or none (a relay on the same machine only)
AUDITKIT_SMTP_USER     and AUDITKIT_SMTP_PASSWORD: sign in to the server (both or neither)
AUDITKIT_MAIL_FROM     the sender, e.g. "Example CB <certification@example.org>"
AUDITKIT_PUBLIC_URL    the server's address as contacts reach it, for links in the messages
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_SENDER = "auditkit <no-reply@localhost>"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5001"


class MailSettingsError(ValueError):
    """A mail setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class MailSettings:
    host: str  # empty: write to `folder`
    port: int
    tls: str
    user: str
    password: str
    sender: str
    folder: Path
    public_url: str

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


def mail_settings(data_dir: Path, environ: dict[str, str] | None = None) -> MailSettings:
    env = os.environ if environ is None else environ
    host = (env.get("AUDITKIT_SMTP_HOST") or "").strip()
    tls = (env.get("AUDITKIT_SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise MailSettingsError(f"AUDITKIT_SMTP_TLS is {tls!r}; use one of {', '.join(TLS_MODES)}.")
    raw_port = (env.get("AUDITKIT_SMTP_PORT") or "").strip()
    try:
        port = int(raw_port) if raw_port else DEFAULT_PORTS[tls]
    except ValueError:
        raise MailSettingsError(f"AUDITKIT_SMTP_PORT is {raw_port!r}; give a number.") from None
    if not 0 < port < 65536:
        raise MailSettingsError(f"AUDITKIT_SMTP_PORT is {port}; give 1 to 65535.")
    user = env.get("AUDITKIT_SMTP_USER") or ""
    password = env.get("AUDITKIT_SMTP_PASSWORD") or ""
    if bool(user) != bool(password):
        raise MailSettingsError("Set AUDITKIT_SMTP_USER and AUDITKIT_SMTP_PASSWORD together.")
    sender = (env.get("AUDITKIT_MAIL_FROM") or DEFAULT_SENDER).strip()
    name, address = parseaddr(sender)
    try:
        Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        address = ""
    if "@" not in address:
        raise MailSettingsError(f"AUDITKIT_MAIL_FROM is {sender!r}; give an address.")
    public_url = (env.get("AUDITKIT_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise MailSettingsError(
            f"AUDITKIT_PUBLIC_URL is {public_url!r}; give the address with http:// or https://."
        )
    return MailSettings(
        host=host,
        port=port,
        tls=tls,
        user=user,
        password=password,
        sender=sender,
        folder=data_dir / "mail-out",
        public_url=public_url,
    )


@dataclass(frozen=True)
class Mailer:
    """What every message needs: where mail goes, and the certification body it is from."""

    settings: MailSettings
    cb_name: str

    def link(self, path: str) -> str:
        """The address of a page of the server, for a link in a message."""
        return f"{self.settings.public_url}{path}"
