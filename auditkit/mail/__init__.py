"""Mail (no Flask): messages in our words (templates/mail/), an outbox that sends them after
the change that caused them commits, and the transport (SMTP, or a folder of .eml files).

    queue(session, settings, "invitation", to_address=..., context=..., cb_name=...)
    deliver(session_factory, transport_for(settings), settings)
"""

from auditkit.mail.compose import KINDS, Composed, compose
from auditkit.mail.outbox import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    Delivered,
    RecipientError,
    deliver,
    email_of,
    queue,
    queued_ids,
)
from auditkit.mail.settings import Mailer, MailSettings, MailSettingsError, mail_settings
from auditkit.mail.transport import (
    FolderTransport,
    PermanentFailure,
    SmtpTransport,
    TemporaryFailure,
    Transport,
    transport_for,
)

__all__ = [
    "KINDS",
    "MAX_ATTEMPTS",
    "RETRY_AFTER",
    "Composed",
    "Delivered",
    "FolderTransport",
    "MailSettings",
    "Mailer",
    "MailSettingsError",
    "PermanentFailure",
    "RecipientError",
    "SmtpTransport",
    "TemporaryFailure",
    "Transport",
    "compose",
    "deliver",
    "email_of",
    "mail_settings",
    "queue",
    "queued_ids",
    "transport_for",
]
