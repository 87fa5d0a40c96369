"""The tamper-evident audit log: append-only events in hash chains, and their verification.

Each event's hash is the sha256 of its content in a canonical form together with the hash of
the event before it in its chain, so changing, removing, inserting or reordering an event
breaks the chain from that link on. The head of each chain (its last seq and hash) is kept in
`audit_chain_heads`; appending locks that row first, so appends to one chain queue up, on
SQLite and PostgreSQL alike, and a truncated chain no longer matches its head.

Chains: "audit:<id>" for everything about one audit on the server, "cb" for server events of no
audit (sign-ins, accounts), "device:<id>" on a laptop for everything done on it. No Flask here;
functions never commit (the caller owns the unit of work).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from auditkit.models import AuditChainHead, AuditEvent, utcnow

GENESIS = "0" * 64
SERVER_CHAIN = "cb"


def audit_chain(audit_id: uuid.UUID) -> str:
    return f"audit:{audit_id}"


def device_chain(device_id: uuid.UUID) -> str:
    return f"device:{device_id}"


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """The hash of an event: its fields in canonical JSON, after the previous hash.

    Never change this form: every stored chain is verified against it.
    """
    canonical = {
        "chain": fields["chain"],
        "seq": fields["seq"],
        "at": _moment(fields["at"]),
        "device_time": _moment(fields.get("device_time")),
        "audit_id": str(fields["audit_id"]) if fields.get("audit_id") else None,
        "actor_id": str(fields["actor_id"]) if fields.get("actor_id") else None,
        "actor_name": fields.get("actor_name") or "",
        "origin": fields.get("origin") or "",
        "action": fields["action"],
        "entity": fields.get("entity") or "",
        "entity_id": fields.get("entity_id") or "",
        "detail": fields.get("detail") or {},
    }
    body = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "seq": event.seq,
        "at": event.at,
        "device_time": event.device_time,
        "audit_id": event.audit_id,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "origin": event.origin,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "detail": event.detail,
    }


def _locked_head(session: Session, chain: str) -> AuditChainHead:
    """The chain's head, locked for this transaction (created at the genesis if new).

    The UPDATE comes first: it takes SQLite's write lock and PostgreSQL's row lock, so two
    appends to one chain never read the same head.
    """
    found = session.execute(
        text("UPDATE audit_chain_heads SET seq = seq WHERE chain = :chain"), {"chain": chain}
    ).rowcount
    if not found:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text(
                    "INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (:c, 0, :g) "
                    "ON CONFLICT (chain) DO NOTHING"
                ),
                {"c": chain, "g": GENESIS},
            )
            session.execute(
                text("SELECT 1 FROM audit_chain_heads WHERE chain = :c FOR UPDATE"), {"c": chain}
            )
        else:
            session.add(AuditChainHead(chain=chain, seq=0, hash=GENESIS))
            session.flush()
    head = session.get(AuditChainHead, chain, populate_existing=True)
    assert head is not None
    return head


def append(
    session: Session,
    chain: str,
    action: str,
    *,
    audit_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    actor_name: str = "",
    origin: str = "",
    entity: str = "",
    entity_id: str = "",
    detail: dict[str, Any] | None = None,
    device_time: datetime | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event at the end of `chain`, in the caller's transaction."""
    head = _locked_head(session, chain)
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": head.seq + 1,
        "at": at or utcnow(),
        "device_time": device_time,
        "audit_id": audit_id,
        "actor_id": actor_id,
        "actor_name": actor_name[:200],
        "origin": origin[:200],
        "action": action,
        "entity": entity[:40],
        "entity_id": entity_id[:120],
        "detail": detail or {},
    }
    digest = event_hash(fields, head.hash)
    event = AuditEvent(**fields, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = fields["seq"], digest
    session.flush()
    return event


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain, as a sentence naming it."""

    chain: str
    seq: int
    event_id: uuid.UUID | None
    problem: str

    def __str__(self) -> str:
        which = f"event #{self.seq}" + (f" ({self.event_id})" if self.event_id else "")
        return f"{self.chain}: {which}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    chains: int
    events: int
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _events(session: Session, chain: str) -> Iterator[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(query)


def verify_chain(
    session: Session, chain: str, head: AuditChainHead | None
) -> tuple[int, Break | None]:
    """Walk one chain from its start; (events seen, the first break or None)."""
    prev, expected, seen = GENESIS, 1, 0
    for event in _events(session, chain):
        seen += 1
        if event.seq != expected:
            return seen, Break(
                chain, expected, None, f"is missing (the next stored is #{event.seq})"
            )
        if event.prev_hash != prev:
            return seen, Break(chain, event.seq, event.id, "does not follow the event before it")
        if event_hash(_fields(event), prev) != event.hash:
            return seen, Break(chain, event.seq, event.id, "was changed after it was written")
        prev, expected = event.hash, expected + 1
    if head is None:
        return seen, Break(chain, expected - 1, None, "has no recorded head: events were added")
    if head.seq != expected - 1 or head.hash != prev:
        return seen, Break(
            chain, expected, None, f"is missing: the chain's head says it ends at #{head.seq}"
        )
    return seen, None


def verify(session: Session) -> Verification:
    """Check every chain in this database; list the first broken link of each broken chain."""
    heads = {h.chain: h for h in session.scalars(select(AuditChainHead))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditEvent.chain).distinct())))
    breaks, total = [], 0
    for chain in chains:
        seen, broken = verify_chain(session, chain, heads.get(chain))
        total += seen
        if broken is not None:
            breaks.append(broken)
    return Verification(len(chains), total, breaks)
