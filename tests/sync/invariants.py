"""The invariants of SYNC-NOTES.md section 9, checked on the server and laptops after a run.

Every check returns a list of problems, each a short sentence naming what differs; an empty
list means the invariant holds. State is read first (`server_state`, `laptop_state`), so the
checks are plain functions of data. The server does not keep a mutation's entity id, so
the checks take it from what the laptops sent (`Sent`, recorded before every sync).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditkit.models import (
    AppliedMutation,
    Blob,
    BlobUpload,
    Device,
    Finding,
    Interviewee,
    Meeting,
    OutboxEntry,
    Photo,
    Response,
    SampledRecord,
    SyncRejection,
)
from auditkit.photostore import PhotoStore
from sync import protocol
from sync.engine import rows

Key = tuple[str, str]  # a row as pull names it: ("response", item_key), ("finding", id), ...
ROWLESS = frozenset({"audit.submit.v1", "conflict.resolve.v1"})  # they change no audit row
ENTITY = {"answer": "response"}  # mutation prefix -> pull entity, where they differ
# Fields whose server value must come from the one applied mutation that last stamped them.
TRACED = {
    "response": ("verdict", "notes", "justification", "documents"),
    "finding": ("grade", "requirement", "objective_evidence", "statement", "item_keys"),
    "meeting": ("notes", "attendees"),
    "interviewee": ("name", "job_role", "department"),
    "sampled_record": ("reference", "record_type", "reason"),
}
SERIAL = {
    "response": rows.response_row,
    "finding": rows.finding_row,
    "meeting": rows.meeting_row,
    "interviewee": rows.interviewee_row,
    "sampled_record": rows.sampled_record_row,
}


@dataclass(frozen=True)
class Sent:
    """An outbox entry as a laptop held it before a sync (recorded, never forgotten)."""

    laptop: str
    device_id: uuid.UUID
    seq: int
    mutation_id: uuid.UUID
    name: str
    entity_id: str
    base_version: int | None
    payload: dict[str, Any]

    @property
    def key(self) -> Key:
        return entity_of(self.name, self.entity_id, self.payload)


@dataclass
class ServerState:
    rows: dict[Key, dict[str, Any]]
    stamps: dict[Key, dict[str, int]]  # field -> the version that last changed it
    applied: list[AppliedMutation]
    last_seq: dict[uuid.UUID, int]
    blobs: dict[str, int]  # of this audit's photos
    uploads: dict[str, tuple[int, int]]  # sha256 -> (size, offset) of unfinished uploads
    blob_dir: Path


@dataclass
class LaptopState:
    name: str
    device_id: uuid.UUID
    rows: dict[Key, dict[str, Any]]
    rejections: list[SyncRejection]
    pending: int
    photos: PhotoStore
    sent: list[Sent] = field(default_factory=list)

    def rejected(self, code: str) -> set[Key]:
        return {
            entity_of(r.name, r.entity_id, r.payload) for r in self.rejections if r.code == code
        }


def entity_of(name: str, entity_id: str, payload: dict[str, Any]) -> Key:
    prefix = name.split(".")[0]
    kind = ENTITY.get(prefix, prefix)
    return (kind, str(payload.get("kind", ""))) if kind == "meeting" else (kind, entity_id)


# ---- reading state ----
def audit_rows(session: Session, audit_id: uuid.UUID) -> dict[Key, dict[str, Any]]:
    """The audit's rows in the form pull sends them, by the keys pull uses."""
    found: dict[Key, dict[str, Any]] = {}
    for r in session.scalars(select(Response).where(Response.audit_id == audit_id)):
        found["response", r.item_key] = {**rows.response_row(r), "_stamps": r.field_versions}
    for model, entity in (
        (Finding, "finding"),
        (Interviewee, "interviewee"),
        (SampledRecord, "sampled_record"),
    ):
        for row in session.scalars(select(model).where(model.audit_id == audit_id)):
            found[entity, str(row.id)] = {**SERIAL[entity](row), "_stamps": row.field_versions}
    for p in session.scalars(select(Photo).where(Photo.audit_id == audit_id)):
        response = session.get(Response, p.response_id) if p.response_id else None
        found["photo", str(p.id)] = rows.photo_row(p, response.item_key if response else None)
    for m in session.scalars(select(Meeting).where(Meeting.audit_id == audit_id)):
        found["meeting", m.kind.value] = {**rows.meeting_row(m), "_stamps": m.field_versions}
    return found


def _split(
    found: dict[Key, dict[str, Any]],
) -> tuple[dict[Key, dict[str, Any]], dict[Key, dict[str, int]]]:
    """The rows without their field versions, and the field versions apart."""
    stamps = {k: dict(v.pop("_stamps", None) or {}) for k, v in found.items()}
    return found, stamps


def server_state(
    session: Session, audit_id: uuid.UUID, devices: list[uuid.UUID], blob_dir: Path
) -> ServerState:
    found, stamps = _split(audit_rows(session, audit_id))
    shas = {r["sha256"] for (kind, _), r in found.items() if kind == "photo"}
    return ServerState(
        rows=found,
        stamps=stamps,
        applied=list(
            session.scalars(
                select(AppliedMutation)
                .where(AppliedMutation.device_id.in_(devices))
                .order_by(AppliedMutation.device_id, AppliedMutation.seq)
            )
        ),
        last_seq={
            d.id: d.last_seq for d in session.scalars(select(Device).where(Device.id.in_(devices)))
        },
        blobs={
            b.sha256: b.size for b in session.scalars(select(Blob).where(Blob.sha256.in_(shas)))
        },
        uploads={
            u.sha256: (u.size, u.offset)
            for u in session.scalars(select(BlobUpload).where(BlobUpload.sha256.in_(shas)))
        },
        blob_dir=blob_dir,
    )


def laptop_state(
    session: Session, name: str, device_id: uuid.UUID, audit_id: uuid.UUID, photos: PhotoStore
) -> LaptopState:
    found, _ = _split(audit_rows(session, audit_id))
    return LaptopState(
        name=name,
        device_id=device_id,
        rows=found,
        rejections=list(session.scalars(select(SyncRejection).order_by(SyncRejection.seq))),
        pending=session.scalar(select(func.count(OutboxEntry.seq))) or 0,
        photos=photos,
    )


# ---- 1 to 5: convergence, exactly once, no silent loss, atomicity, ordering ----
def _diff(mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> str:
    if mine is None or theirs is None:
        return "missing on the laptop" if mine is None else "not on the server"
    names = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    return "; ".join(f"{k}: laptop {mine.get(k)!r}, server {theirs.get(k)!r}" for k in names)


def convergence(server: ServerState, laptops: list[LaptopState]) -> list[str]:
    """Each laptop's rows equal the server's, except its explicit conflict copies."""
    problems = []
    for laptop in laptops:
        copies = laptop.rejected(protocol.CONFLICT)
        for key in sorted(set(server.rows) | set(laptop.rows)):
            mine, theirs = laptop.rows.get(key), server.rows.get(key)
            if key not in copies and mine != theirs:
                problems.append(f"convergence: {laptop.name} {key}: {_diff(mine, theirs)}")
    return problems


def exactly_once(server: ServerState, sent: list[Sent]) -> list[str]:
    """One record per (device, seq) and per mutation id; no duplicate findings or photos."""
    problems = []
    for name, key_of in (
        ("(device, seq)", lambda m: (m.device_id, m.seq)),
        ("mutation id", lambda m: m.mutation_id),
    ):
        counts: dict[Any, int] = defaultdict(int)
        for m in server.applied:
            counts[key_of(m)] += 1
        problems += [
            f"exactly once: {name} {k} recorded {n} times" for k, n in counts.items() if n > 1
        ]
    for entity, name in (("finding", "finding.create.v1"), ("photo", "photo.add.v1")):
        made = {s.entity_id for s in sent if s.name == name}
        have = {key for (kind, key) in server.rows if kind == entity}
        if made != have:
            problems.append(f"exactly once: {entity}s made {sorted(made)}, server {sorted(have)}")
    return problems


def no_silent_loss(server: ServerState, laptops: list[LaptopState]) -> list[str]:
    """Every outbox entry ever made was applied or rejected with its payload; outboxes empty."""
    problems = []
    records = {(m.device_id, m.seq): m for m in server.applied}
    for laptop in laptops:
        if laptop.pending:
            problems.append(f"no silent loss: {laptop.name} still holds {laptop.pending} unsent")
        for s in laptop.sent:
            record = records.get((s.device_id, s.seq))
            if record is None or record.mutation_id != s.mutation_id:
                problems.append(f"no silent loss: {laptop.name} seq {s.seq} {s.name} not on server")
            elif record.status not in ("applied", "rejected") or record.payload != s.payload:
                problems.append(
                    f"no silent loss: {laptop.name} seq {s.seq} kept as {record.status} with "
                    f"{record.payload!r}, sent {s.payload!r}"
                )
        shown = {(r.mutation_id, r.code) for r in laptop.rejections}
        kept = {
            (m.mutation_id, m.code)
            for m in server.applied
            if m.device_id == laptop.device_id and m.status == "rejected"
        }
        if shown != kept:
            problems.append(
                f"no silent loss: {laptop.name} shows rejections {shown}, server {kept}"
            )
    return problems


def _same(name: str, a: Any, b: Any) -> bool:
    return sorted(a) == sorted(b) if name == "item_keys" else a == b


def atomicity_and_ordering(server: ServerState, sent: list[Sent]) -> list[str]:
    """Contiguous seqs up to last_seq; every effect has its applied record and vice versa."""
    problems = []
    seqs = defaultdict(list)
    for m in server.applied:
        seqs[m.device_id].append(m.seq)
    for device, last in server.last_seq.items():
        if seqs[device] != list(range(1, last + 1)):
            problems.append(f"ordering: device {device} has last_seq {last}, seqs {seqs[device]}")
    by_id = {s.mutation_id: s for s in sent}
    applied = [(m, by_id[m.mutation_id]) for m in server.applied if m.status == "applied"]
    removed = {s.key for _, s in applied if s.name.endswith(".delete.v1")}
    named: set[Key] = set()
    for m, s in applied:
        if s.name in ROWLESS:
            continue
        version = (m.result or {}).get("version")
        named.add(s.key)
        named |= {("response", k) for k in s.payload.get("item_keys") or []}
        if s.name == "photo.add.v1" and s.payload.get("item_key"):
            named.add(("response", s.payload["item_key"]))
        if s.key not in server.rows:
            if s.key not in removed:
                problems.append(f"atomicity: {s.name} seq {s.seq} applied, {s.key} not on server")
            continue
        stamps = server.stamps[s.key]
        for name in TRACED.get(s.key[0], ()):
            if name in s.payload and int(stamps.get(name, 0)) < int(version or 0):
                problems.append(f"atomicity: {s.name} seq {s.seq} (v{version}) missed {name}")
        if s.base_version is not None and s.name.endswith(".upsert.v1") and version == 1:
            problems.append(f"atomicity: {s.name} seq {s.seq} re-created deleted {s.key}")
    for key, stamps in server.stamps.items():
        if key not in named:
            problems.append(f"atomicity: {key} is on the server without an applied mutation")
        for name, version in stamps.items():
            if name not in TRACED.get(key[0], ()):
                continue
            origin = [
                s
                for m, s in applied
                if s.key == key
                and (m.result or {}).get("version") == version
                and (name in s.payload or s.name.endswith(".delete.v1"))
            ]
            setters = [s for s in origin if name in s.payload]
            if not origin or len(setters) > 1:
                problems.append(f"atomicity: {key} {name} v{version} from {len(origin)} mutations")
            elif setters and not _same(name, setters[0].payload[name], server.rows[key][name]):
                problems.append(
                    f"atomicity: {key} {name} is {server.rows[key][name]!r}, its mutation "
                    f"({setters[0].laptop} seq {setters[0].seq}) set {setters[0].payload[name]!r}"
                )
    return problems


# ---- 9: conflict safety ----
@dataclass
class SameItem:
    """Both laptops edited one item: per laptop (mutation id, base version, field, value)."""

    item_key: str
    edits: dict[str, tuple[uuid.UUID, int | None, str, Any]] = field(default_factory=dict)


def conflict_safety(server: ServerState, laptops: list[LaptopState], item: SameItem) -> list[str]:
    """Same field from the same base: one wins, the other is a conflict holding both values.

    Disjoint fields, or a later edit made from the first one's result, both apply.
    """
    if len(item.edits) < 2:
        return []
    records = {m.mutation_id: m for m in server.applied}
    outcome = {name: records.get(mid) for name, (mid, _, _, _) in item.edits.items()}
    row = server.rows.get(("response", item.item_key), {})
    where = f"conflict safety: {item.item_key}"
    if any(r is None for r in outcome.values()):
        return [f"{where}: an edit never reached the server"]
    statuses = {n: (r.status, r.code) for n, r in outcome.items()}
    (_, base_a, field_a, _), (_, base_b, field_b, _) = item.edits.values()
    if field_a != field_b or base_a != base_b:
        if any(r.status != "applied" for r in outcome.values()):
            return [f"{where}: edits that do not clash were not both applied: {statuses}"]
        last = {}
        for _, _base, name, value in sorted(item.edits.values(), key=lambda e: e[1] or 0):
            last[name] = value
        return [
            f"{where}: {name} is {row.get(name)!r}, the last edit set {value!r}"
            for name, value in last.items()
            if row.get(name) != value
        ]
    won = [n for n, r in outcome.items() if r.status == "applied"]
    lost = [n for n, r in outcome.items() if (r.status, r.code) == ("rejected", protocol.CONFLICT)]
    if len(won) != 1 or len(lost) != 1:
        return [f"{where}: same field from the same base ended as {statuses}"]
    winner, loser = item.edits[won[0]], item.edits[lost[0]]
    problems = []
    if row.get(field_a) != winner[3]:
        problems.append(f"{where}: server has {row.get(field_a)!r}, the winner set {winner[3]!r}")
    laptop = next(lt for lt in laptops if lt.name == lost[0])
    copy = next((r for r in laptop.rejections if r.mutation_id == loser[0]), None)
    if copy is None or copy.payload.get(field_a) != loser[3]:
        problems.append(f"{where}: {laptop.name} does not keep its own value {loser[3]!r}")
    elif (copy.server_row or {}).get(field_a) != winner[3]:
        problems.append(f"{where}: {laptop.name}'s conflict copy lacks the winner's value")
    return problems


@dataclass
class EditDelete:
    """One laptop deletes a register entry both hold while the other edits part of it.

    `edits`: per laptop (mutation id, base version, "edit" or "delete", the new name).
    """

    kept: dict[str, Any]  # the fields the edit leaves alone: they must survive it
    edits: dict[str, tuple[uuid.UUID, int | None, str, Any]] = field(default_factory=dict)


def edit_vs_delete(server: ServerState, key: Key, race: EditDelete) -> list[str]:
    """From one base, edit and delete clash: one applies, the other is a conflict.

    Never a silent resurrection (the edit re-creating the deleted entry) and never a silent
    loss (the delete removing an edit it did not see).
    """
    if len(race.edits) < 2:
        return []
    records = {m.mutation_id: m for m in server.applied}
    outcome = {kind: records.get(mid) for mid, _, kind, _ in race.edits.values()}
    where = f"edit vs delete: {key}"
    if any(r is None for r in outcome.values()):
        return [f"{where}: a change never reached the server"]
    statuses = {kind: (r.status, r.code) for kind, r in outcome.items()}
    (_, base_a, _, _), (_, base_b, _, _) = race.edits.values()
    row = server.rows.get(key)
    if base_a == base_b:
        won = [k for k, r in outcome.items() if r.status == "applied"]
        lost = [k for k, r in outcome.items() if (r.status, r.code) == ("rejected", "conflict")]
        if len(won) == 2:
            what = "silent resurrection" if row else "silent loss of the edit"
            return [f"{where}: {what}, both applied from one base"]
        if len(won) != 1 or len(lost) != 1:
            return [f"{where}: from one base they ended as {statuses}"]
        last = won[0]
    else:
        if any(r.status != "applied" for r in outcome.values()):
            return [f"{where}: one made after the other was not applied: {statuses}"]
        last = max(race.edits.values(), key=lambda e: e[1] or 0)[2]
    if last == "delete":
        return [] if row is None else [f"{where}: the deleted entry is back as {row}"]
    name = next(e[3] for e in race.edits.values() if e[2] == "edit")
    if row is None or row["name"] != name or any(row[k] != v for k, v in race.kept.items()):
        return [f"{where}: the edit should have left the whole entry, the server has {row}"]
    return []


# ---- 6, 7: blobs ----
def blob_integrity(server: ServerState, laptops: list[LaptopState]) -> list[str]:
    """Server blobs are whole and verified; every photo has one; laptops hold true bytes."""
    problems = []
    store = PhotoStore(server.blob_dir)
    for sha, size in server.blobs.items():
        path = store.path(sha)
        data = path.read_bytes() if path.is_file() else b""
        if hashlib.sha256(data).hexdigest() != sha or len(data) != size:
            problems.append(f"blob integrity: {sha[:12]} on the server is not whole")
        if sha in server.uploads or (server.blob_dir / "partial" / sha).exists():
            problems.append(f"blob integrity: {sha[:12]} is stored and still partial")
    for (kind, key), row in server.rows.items():
        if kind == "photo" and row["sha256"] not in server.blobs:
            problems.append(f"blob integrity: photo {key} has no verified blob on the server")
    for laptop in laptops:
        for (kind, key), row in laptop.rows.items():
            if kind == "photo" and not row["deleted"] and not laptop.photos.verify(row["sha256"]):
                problems.append(f"blob integrity: {laptop.name} lacks the bytes of photo {key}")
    return problems


def resume_efficiency(exchanges: list[Any], sizes: dict[str, int]) -> list[str]:
    """Uploading a blob costs at most its size plus one chunk per exchange a fault broke."""
    problems = []
    for sha, size in sizes.items():
        path = f"{protocol.API_PREFIX}/blobs/{sha}"
        patches = [e for e in exchanges if e.method == "PATCH" and e.path == path]
        sent = sum(e.body_up for e in patches)
        broken = sum(1 for e in patches if e.fault)
        if sent > size + broken * protocol.CHUNK_SIZE:
            problems.append(
                f"resume efficiency: {sha[:12]} ({size} bytes) cost {sent} bytes "
                f"with {broken} broken exchanges"
            )
    return problems


__all__ = [
    "EditDelete",
    "LaptopState",
    "SameItem",
    "Sent",
    "ServerState",
    "atomicity_and_ordering",
    "blob_integrity",
    "conflict_safety",
    "convergence",
    "edit_vs_delete",
    "entity_of",
    "exactly_once",
    "laptop_state",
    "no_silent_loss",
    "resume_efficiency",
    "server_state",
]
