"""The CB app's mail: settings and transport from the environment, and a sender thread that
sends what a request queued as soon as its transaction commits (auditkit.mail.outbox).

The request never waits for the SMTP server. The thread runs only while there is mail to
send and ends IDLE_S seconds after the last, so it never keeps the app's engine (and its
pooled database connections) alive. A message it cannot send now is retried by
`auditkit mail send` (run from cron); one queued by a transaction that rolls back never
existed. Set MAIL_SEND_AFTER_COMMIT False to leave all sending to `auditkit mail send`.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from auditkit import mail
from auditkit.config import cb_identity
from auditkit.web.database import EXTENSION as DATABASE

EXTENSION = "auditkit.mail"
IDLE_S = 2.0
log = logging.getLogger(__name__)


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
    """One daemon thread per app process; started with the first message."""

    def __init__(self, factory: sessionmaker[Session], settings: mail.MailSettings) -> None:
        self.factory = factory
        self.settings = settings
        self.transport = mail.transport_for(settings)
        self.waiting: queue.Queue[list[uuid.UUID]] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, ids: list[uuid.UUID]) -> None:
        with self.lock:
            self.waiting.put(ids)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                ids = self.waiting.get(timeout=IDLE_S)
            except queue.Empty:
                with self.lock:  # a submit in between sees this thread alive or starts one
                    if self.waiting.empty():
                        self.thread = None
                        return
                continue
            try:
                mail.deliver(self.factory, self.transport, self.settings, ids=ids)
            except Exception:  # a database hiccup must not end the thread
                log.exception("sending mail failed; `auditkit mail send` will retry")
