"""Client portal accounts (no Flask): invite a contact, accept an invitation by choosing a
password, sign in, disable. Every step writes an event in the CB's audit log. Nothing commits.

An invitation is a random token mailed as a link; only its sha256 is kept. It works once and
for INVITATION_LIFETIME; a newer invitation or disabling the account voids it. Inviting a
disabled contact again enables the account (the staff member's act is the consent to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from auditkit import audit_log
from auditkit.accounts import MAX_PASSWORD_LENGTH, password_problem
from auditkit.field_errors import FieldError
from auditkit.models import Contact, PortalAccount, PortalInvitation, PortalSession, utcnow
from auditkit.unit_of_work import ServerWork
from sync.tokens import new_token, token_hash

INVITATION_LIFETIME = timedelta(days=7)
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


class PortalError(FieldError):
    """A portal account step refused; `field` names the form field the sentence belongs to."""


@dataclass(frozen=True)
class Invitation:
    account: PortalAccount
    token: str  # the raw token, for the link in the mail; never stored
    expires_at: datetime


def account_of_contact(session: Session, contact: Contact) -> PortalAccount | None:
    return session.scalars(
        select(PortalAccount).where(PortalAccount.contact_id == contact.id)
    ).first()


def invite(work: ServerWork, contact: Contact, *, now: datetime | None = None) -> Invitation:
    """A new invitation for `contact` (its account made, or enabled again, as needed)."""
    now = now or utcnow()
    email = contact.email.strip().lower()
    if not email or email.count("@") != 1 or any(c.isspace() for c in email):
        raise PortalError(
            "email", f"{contact.name} has no usable e-mail address: add one to the contact first."
        )
    account = account_of_contact(work.session, contact)
    taken = work.session.scalars(select(PortalAccount).where(PortalAccount.email == email)).first()
    if taken is not None and taken is not account:
        raise PortalError(
            "email",
            f"{email} already signs in to the portal as another contact; "
            "each portal account needs its own address.",
        )
    enabled_again = account is not None and account.disabled_at is not None
    if account is None:
        account = PortalAccount(
            contact_id=contact.id, organisation_id=contact.organisation_id, email=email
        )
        work.session.add(account)
        work.session.flush()
    else:
        account.email = email
        account.disabled_at = None
        account.disabled_by_name = ""
    _void_invitations(work.session, account, now)
    token = new_token()
    expires_at = now + INVITATION_LIFETIME
    work.session.add(
        PortalInvitation(
            token_hash=token_hash(token),
            account_id=account.id,
            created_at=now,
            created_by_id=work.actor.user.id if work.actor.user else None,
            expires_at=expires_at,
        )
    )
    work.event(
        "portal.invite",
        entity="portal_account",
        entity_id=str(account.id),
        detail={
            "organisation_id": str(contact.organisation_id),
            "contact": contact.name,
            "email": email,
            "enabled_again": enabled_again,
            "expires_at": expires_at.isoformat(),
        },
    )
    return Invitation(account, token, expires_at)


def invitation(session: Session, token: str, *, now: datetime | None = None) -> PortalInvitation:
    """The open invitation `token` names; PortalError("token") with the reason otherwise."""
    now = now or utcnow()
    row = session.get(PortalInvitation, token_hash(token)) if token else None
    if row is None:
        raise PortalError("token", "This link is not valid. Check that it is complete.")
    if row.used_at is not None:
        raise PortalError(
            "token", "This link was used already. Sign in with the password you chose."
        )
    if row.voided_at is not None:
        raise PortalError(
            "token", "This link was replaced by a newer one: use the link in the latest message."
        )
    if row.expires_at <= now:
        raise PortalError(
            "token", "This link has run out. Ask the certification body to send you a new one."
        )
    account = session.get(PortalAccount, row.account_id)
    if account is None or account.disabled_at is not None:
        raise PortalError("token", "This portal account is disabled.")
    return row


def accept(
    session: Session, token: str, password: str, confirm: str, *, origin: str,
    now: datetime | None = None,
) -> PortalAccount:  # fmt: skip
    """Follow an invitation: the contact's chosen password is set and the link is used up."""
    now = now or utcnow()
    row = invitation(session, token, now=now)
    account = session.get(PortalAccount, row.account_id)
    assert account is not None
    problem = password_problem(password, username=account.email, full_name=account.contact.name)
    if problem:
        raise PortalError("password", problem)
    if password != confirm:
        raise PortalError("confirm", "The two passwords differ; type the same one twice.")
    account.password_hash = generate_password_hash(password)
    first = account.activated_at is None
    account.activated_at = account.activated_at or now
    row.used_at = now
    end_sessions(session, account, now)
    record(session, account, "portal.activate" if first else "portal.password_set", origin)
    return account


def check_credentials(session: Session, email: str, password: str) -> PortalAccount | None:
    """The active account with this address and password, or None (same time either way)."""
    account = session.scalars(
        select(PortalAccount).where(PortalAccount.email == email.strip().lower())
    ).first()
    if account is None or not account.is_active or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return None
    return account if check_password_hash(account.password_hash, password) else None


def disable(work: ServerWork, account: PortalAccount, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    if account.disabled_at is not None:
        raise PortalError("account", "This portal account is disabled already.")
    account.disabled_at = now
    account.disabled_by_name = work.actor.name
    ended = end_sessions(work.session, account, now)
    _void_invitations(work.session, account, now)
    work.event(
        "portal.disable",
        entity="portal_account",
        entity_id=str(account.id),
        detail={"organisation_id": str(account.organisation_id), "sessions_ended": ended},
    )


def end_sessions(session: Session, account: PortalAccount, now: datetime) -> int:
    return (
        session.execute(
            update(PortalSession)
            .where(PortalSession.account_id == account.id, PortalSession.ended_at.is_(None))
            .values(ended_at=now)
        ).rowcount
        or 0
    )


def record(
    session: Session, account: PortalAccount, action: str, origin: str, *,
    audit_id: object = None, entity: str = "portal_account", entity_id: str = "",
    detail: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """An event done by a contact in the portal, in the audit's chain or the CB's."""
    audit_log.append(
        session,
        audit_log.audit_chain(audit_id) if audit_id else audit_log.SERVER_CHAIN,  # type: ignore[arg-type]
        action,
        audit_id=audit_id,  # type: ignore[arg-type]
        actor_id=None,
        actor_name=f"{account.contact.name} (client portal)",
        origin=origin,
        entity=entity,
        entity_id=entity_id or str(account.id),
        detail={
            "portal_account": str(account.id),
            "organisation_id": str(account.organisation_id),
            **(detail or {}),
        },
    )


def _void_invitations(session: Session, account: PortalAccount, now: datetime) -> None:
    session.execute(
        update(PortalInvitation)
        .where(
            PortalInvitation.account_id == account.id,
            PortalInvitation.used_at.is_(None),
            PortalInvitation.voided_at.is_(None),
        )
        .values(voided_at=now)
    )
