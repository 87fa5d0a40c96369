"""Mail out: queued with the change that causes it, sent after the commit, retried.

`queue()` adds the rendered message to the caller's session and never commits: the caller's
transaction holds the change and its mail together. `deliver()` sends what is due, each
message claimed first by an UPDATE that only one sender can win (gunicorn workers, the
`auditkit mail send` timer and the app's after-commit sender may all try at once), so a
message is never sent twice by two senders. A temporary failure is retried after a growing
pause, RETRY_AFTER, and a message is given up after the last; a permanent one at once. A claim
whose sender died (killed mid-send) is taken back after CLAIM_LAPSES: such a message may
then go twice, which mail allows (its Message-ID lets the reader's client tell).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from auditkit.mail.compose import compose
from auditkit.mail.settings import MailSettings
from auditkit.mail.transport import PermanentFailure, TemporaryFailure, Transport
from auditkit.models import MailMessage, MailStatus, utcnow

RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
CLAIM_LAPSES = timedelta(minutes=15)
QUEUED_IN_SESSION = "auditkit.mail.queued"  # session.info key: ids queued in this transaction
_FORGETS = "auditkit.mail.forgets"  # session.info key: the rollback listener is in place


class RecipientError(ValueError):
    """No usable address to send to."""


def queue(
    session: Session,
    settings: MailSettings,
    kind: str,
    *,
    to_address: str,
    to_name: str = "",
    context: dict[str, Any],
    cb_name: str,
    organisation_id: uuid.UUID | None = None,
    audit_id: uuid.UUID | None = None,
) -> MailMessage:
    """Render the message `kind` for one recipient and add it to `session` (no commit)."""
    address = _address(to_address, to_name)
    composed = compose(kind, {**context, "cb": cb_name, "public_url": settings.public_url})
    message = MailMessage(
        id=uuid.uuid4(),
        kind=kind,
        to_address=address.addr_spec,
        to_name=to_name.strip(),
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        organisation_id=organisation_id,
        audit_id=audit_id,
        status=MailStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    if QUEUED_IN_SESSION not in session.info and not session.info.get(_FORGETS):
        # A rollback drops the rows, so it drops their ids too.
        event.listen(session, "after_rollback", lambda s: s.info.pop(QUEUED_IN_SESSION, None))
        session.info[_FORGETS] = True
    session.info.setdefault(QUEUED_IN_SESSION, []).append(message.id)
    return message


def queued_ids(session: Session) -> list[uuid.UUID]:
    """The ids of messages queued in the session's transaction, forgotten once asked."""
    return session.info.pop(QUEUED_IN_SESSION, [])


@dataclass
class Delivered:
    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)


def deliver(
    sessions: Callable[[], Session],
    transport: Transport,
    settings: MailSettings,
    *,
    ids: Iterable[uuid.UUID] | None = None,
    now: Callable[[], datetime] = utcnow,
    limit: int = 200,
) -> Delivered:
    """Send what is due (only `ids`, when given), one short transaction per message."""
    done = Delivered()
    with sessions() as session:
        due = select(MailMessage.id).where(
            or_(
                (MailMessage.status == MailStatus.QUEUED) & (MailMessage.next_attempt_at <= now()),
                (MailMessage.status == MailStatus.SENDING)
                & (MailMessage.claimed_at < now() - CLAIM_LAPSES),
            )
        )
        if ids is not None:
            due = due.where(MailMessage.id.in_(list(ids)))
        candidates = list(session.scalars(due.order_by(MailMessage.created_at).limit(limit)))
    for message_id in candidates:
        _deliver_one(sessions, transport, settings, message_id, now, done)
    return done


def _deliver_one(
    sessions: Callable[[], Session],
    transport: Transport,
    settings: MailSettings,
    message_id: uuid.UUID,
    now: Callable[[], datetime],
    done: Delivered,
) -> None:
    with sessions() as session:
        claimed = session.execute(
            update(MailMessage)
            .where(
                MailMessage.id == message_id,
                or_(
                    MailMessage.status == MailStatus.QUEUED,
                    (MailMessage.status == MailStatus.SENDING)
                    & (MailMessage.claimed_at < now() - CLAIM_LAPSES),
                ),
            )
            .values(status=MailStatus.SENDING, claimed_at=now())
        ).rowcount
        session.commit()
        if not claimed:
            return  # another sender has it
        message = session.get(MailMessage, message_id)
        assert message is not None
        if not message.message_id:
            message.message_id = make_msgid(domain=settings.sender_address.split("@")[-1])
        message.attempts += 1
        try:
            transport.send(email_of(message, settings))
        except TemporaryFailure as exc:
            message.last_error = str(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MailStatus.FAILED
                done.failed.append(message_id)
            else:
                message.status = MailStatus.QUEUED
                message.next_attempt_at = now() + RETRY_AFTER[message.attempts - 1]
                done.retrying.append(message_id)
        except PermanentFailure as exc:
            message.last_error = str(exc)[:2000]
            message.status = MailStatus.FAILED
            done.failed.append(message_id)
        else:
            message.status = MailStatus.SENT
            message.sent_at = now()
            message.last_error = ""
            done.sent.append(message_id)
        message.claimed_at = None
        session.commit()


def email_of(message: MailMessage, settings: MailSettings) -> EmailMessage:
    """The message as it goes out: plain text with an HTML alternative."""
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = _address(message.to_address, message.to_name)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id or make_msgid()
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


def _address(address: str, name: str) -> Address:
    address = address.strip()
    if address.count("@") != 1 or any(c.isspace() for c in address):
        raise RecipientError(f"{address!r} is not an e-mail address.")
    try:
        return Address(display_name=" ".join(name.split()), addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise RecipientError(f"{address!r} is not an e-mail address.") from exc
