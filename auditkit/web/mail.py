"""The CB app's mail: settings and transport from the environment, and a sender thread that
sends what a request queued as soon as its transaction commits (auditkit.mail.outbox).

The request never waits for the SMTP server. The thread runs only while there is mail to
send and ends seconds after the last (auditkit.web.on_demand), so it never keeps the app's
engine (and its pooled database connections) alive. A message it cannot send now is retried by
`auditkit mail send` (run from cron); one queued by a transaction that rolls back never
existed. Set MAIL_SEND_AFTER_COMMIT False to leave all sending to `auditkit mail send`.
"""

from __future__ import annotations

import uuid

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from auditkit import mail
from auditkit.config import cb_identity
from auditkit.web.database import EXTENSION as DATABASE
from auditkit.web.on_demand import OnDemandWorker

EXTENSION = "auditkit.mail"


SENDER = "auditkit.mail.sender"  # Session.info key: the sender of the app whose session it is


def init_app(app: Flask) -> None:
    settings = mail.mail_settings(app.config["DATA_DIR"])
    app.extensions[EXTENSION] = mail.Mailer(settings, cb_identity().name)
    app.config.setdefault("MAIL_SEND_AFTER_COMMIT", True)
    if not app.config["MAIL_SEND_AFTER_COMMIT"]:
        return
    factory: sessionmaker[Session] = app.extensions[DATABASE]
    # Through the session's info, not a listener on this factory: a listener is kept by
    # SQLAlchemy's event registry, and with it the app's engine and its pooled connections.
    factory.configure(info={SENDER: _Sender(factory, settings)})


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    sender = session.info.get(SENDER)
    if sender is None or session.in_nested_transaction():
        return  # not an app's session, or a savepoint released (a sync push's): no commit yet
    ids = mail.queued_ids(session)
    if ids:
        sender.submit(ids)


def mailer() -> mail.Mailer:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


class _Sender:
    """One daemon thread per app process, running while there is mail to send."""

    def __init__(self, factory: sessionmaker[Session], settings: mail.MailSettings) -> None:
        transport = mail.transport_for(settings)
        self.worker: OnDemandWorker[list[uuid.UUID]] = OnDemandWorker(
            "mail-sender",
            lambda ids: mail.deliver(factory, transport, settings, ids=ids),
            failed="sending mail failed; `auditkit mail send` will retry",
        )

    def submit(self, ids: list[uuid.UUID]) -> None:
        self.worker.put([ids])
