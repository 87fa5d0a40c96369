"""Placing pulled rows in the laptop database, without touching rows with unsent edits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from auditkit.models import (
    Audit,
    AuditActivity,
    AuditChecklist,
    AuditClosure,
    AuditStatus,
    AuditTeamMember,
    AuditType,
    Contact,
    CorrectiveAction,
    CorrectiveActionRevision,
    EvidenceFile,
    Finding,
    FindingClause,
    Interviewee,
    Meeting,
    MeetingKind,
    Organisation,
    OutboxEntry,
    Photo,
    Response,
    ReviewComment,
    SampledRecord,
    Site,
    TeamRole,
    UploadedBlob,
    User,
    audit_sites,
)
from sync import protocol, wire

ORDER = (
    "interviewee",
    "sampled_record",
    "response",
    "finding",
    "photo",
    "activity",
    "meeting",
    "closure",
    "review_comment",
    "corrective_action",
)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class PullApplier:
    """Applies one pulled page; the caller commits it together with the new cursor."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.busy = self._busy_keys()

    def _busy_keys(self) -> set[tuple[str, str, str]]:
        """(audit, entity, key) of rows that have unsent local edits: pull leaves them alone."""
        busy = set()
        for entry in self.session.scalars(select(OutboxEntry)):
            audit = str(entry.audit_id)
            touched = protocol.pull_entity(entry.name, audit, entry.entity_id, entry.payload)
            if touched is not None:
                busy.add((audit, *touched))
        return busy

    def page(self, body: dict[str, Any]) -> int:
        for header in body.get("audits", []):
            self.audit(header)
        # An audit that arrives in full counts as received, as its rows do.
        applied = len(body.get("audits", [])) + self.changes(body.get("changes", []))
        if not body.get("more"):
            for audit_id, version in body.get("content_versions", {}).items():
                audit = self.session.get(Audit, uuid.UUID(audit_id))
                if audit is not None:
                    audit.content_version = version
        self.session.flush()
        return applied

    def changes(self, changes: list[dict[str, Any]]) -> int:
        """Apply rows in pull form (registers before what links them); returns how many."""
        applied = 0
        for change in sorted(changes, key=lambda c: ORDER.index(c["entity"])):
            if (change["audit_id"], change["entity"], change["key"]) in self.busy:
                continue
            getattr(self, change["entity"])(
                uuid.UUID(change["audit_id"]), change["key"], change["data"]
            )
            applied += 1
        return applied

    # ---- the audit and what it needs ----
    def audit(self, h: dict[str, Any]) -> None:
        s = self.session
        org_data = h["organisation"]
        org = s.get(Organisation, uuid.UUID(org_data["id"])) or Organisation(
            id=uuid.UUID(org_data["id"])
        )
        for name in ("name", "legal_name", "address", "city", "country"):
            setattr(org, name, org_data[name])
        s.add(org)
        for site in h["sites"]:
            row = s.get(Site, uuid.UUID(site["id"])) or Site(
                id=uuid.UUID(site["id"]), organisation_id=org.id
            )
            for name in ("name", "address", "city", "country", "activities", "is_headquarters"):
                setattr(row, name, site[name])
            s.add(row)
        for contact in h["contacts"]:
            row = s.get(Contact, uuid.UUID(contact["id"])) or Contact(
                id=uuid.UUID(contact["id"]), organisation_id=org.id
            )
            for name in ("name", "job_title", "email", "phone", "is_management_representative"):
                setattr(row, name, contact[name])
            s.add(row)
        for member in h["team"]:
            user = s.get(User, uuid.UUID(member["user_id"])) or User(
                id=uuid.UUID(member["user_id"]), password_hash=""
            )
            user.username, user.full_name = member["username"], member["full_name"]
            s.add(user)
        s.flush()
        audit_id = uuid.UUID(h["id"])
        audit = s.get(Audit, audit_id) or Audit(id=audit_id)
        audit.organisation_id = org.id
        audit.number = h["number"]
        audit.status = AuditStatus(h["status"])
        audit.status_version, audit.round = h["status_version"], h["round"]
        audit.content_version = h["content_version"]
        audit.audit_type = AuditType(h["audit_type"])
        audit.start_date = date.fromisoformat(h["start_date"])
        audit.end_date = date.fromisoformat(h["end_date"])
        for name in ("objectives", "scope", "criteria", "remote_use", "language"):
            setattr(audit, name, h[name])
        audit.planned_days = Decimal(h["planned_days"]) if h["planned_days"] else None
        audit.vca_level = h.get("vca_level")
        audit.schedule = h.get("schedule") or []
        audit.carried_over = h.get("carried_over") or []
        audit.capa_deadlines = h.get("capa_deadlines") or {}
        audit.plan_working = {"clauses": h.get("clauses_to_cover") or {}}
        s.add(audit)
        s.flush()
        s.execute(delete(audit_sites).where(audit_sites.c.audit_id == audit_id))
        for site_id in h["audit_site_ids"]:
            s.execute(insert(audit_sites).values(audit_id=audit_id, site_id=uuid.UUID(site_id)))
        s.execute(delete(AuditTeamMember).where(AuditTeamMember.audit_id == audit_id))
        for member in h["team"]:
            s.add(
                AuditTeamMember(
                    id=uuid.UUID(member["id"]),
                    audit_id=audit_id,
                    user_id=uuid.UUID(member["user_id"]),
                    role=TeamRole(member["role"]),
                )
            )
        have = {
            c.checklist_id
            for c in s.scalars(select(AuditChecklist).where(AuditChecklist.audit_id == audit_id))
        }
        for c in h["checklists"]:
            if c["checklist_id"] in have:
                continue  # pinned content never changes
            content = (
                c["content"]
                or s.scalars(
                    select(AuditChecklist.content).where(
                        AuditChecklist.content_sha256 == c["sha256"]
                    )
                ).first()
            )
            s.add(
                AuditChecklist(
                    audit_id=audit_id,
                    position=c["position"],
                    checklist_id=c["checklist_id"],
                    standard=c["standard"],
                    edition=c["edition"],
                    checklist_version=c["version"],
                    content_sha256=c["sha256"],
                    content=content,
                )
            )
        s.flush()

    # ---- rows of an audit ----
    def _links(self, model, ids: list[str]) -> list[Any]:  # type: ignore[no-untyped-def]
        found = (self.session.get(model, uuid.UUID(i)) for i in ids)
        return [row for row in found if row is not None]

    def _response(self, audit_id: uuid.UUID, item_key: str) -> Response:
        row = self.session.scalars(
            select(Response).where(Response.audit_id == audit_id, Response.item_key == item_key)
        ).first()
        if row is None:
            row = Response(
                audit_id=audit_id,
                item_key=item_key,
                version=0,
                documents=[],
                notes="",
                justification="",
            )
            self.session.add(row)
            self.session.flush()
        return row

    def response(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        row = self._response(audit_id, key)
        wire.assign(wire.RESPONSE, row, data, skip=("item_key",))
        row.interviewees = self._links(Interviewee, data["interviewee_ids"])
        row.sampled_records = self._links(SampledRecord, data["sampled_record_ids"])

    def finding(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        s = self.session
        row = s.get(Finding, uuid.UUID(key))
        if row is None:
            creator = _uuid(data["created_by_id"])
            make_room(s, audit_id, creator, data["local_number"])
            row = Finding(
                id=uuid.UUID(key),
                audit_id=audit_id,
                local_number=data["local_number"],
                created_by_id=creator,
            )
            s.add(row)
        else:
            take_local_number(s, row, data["local_number"])
        wire.assign(wire.FINDING, row, data, skip=("local_number", "created_by_id"))
        existing = {(c.checklist_id, c.clause_number): c for c in row.clauses}
        clauses = []
        for position, ref in enumerate(data["clause_refs"]):
            checklist_id, number = ref[0], ref[1]
            clause = existing.get((checklist_id, number)) or FindingClause(
                checklist_id=checklist_id, clause_number=number
            )
            clause.position = position
            clause.detail = ref[2] if len(ref) > 2 else ""
            clauses.append(clause)
        row.clauses = clauses
        row.interviewees = self._links(Interviewee, data["interviewee_ids"])
        row.sampled_records = self._links(SampledRecord, data["sampled_record_ids"])
        row.responses = [self._response(audit_id, k) for k in data["item_keys"]]
        row.deleted_at = (
            (row.deleted_at or datetime.now().astimezone()) if data["deleted"] else None
        )
        s.flush()

    def photo(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        s = self.session
        row = s.get(Photo, uuid.UUID(key))
        teammates = row is None  # our own photos are already here; only theirs arrive by pull
        if row is None:
            row = Photo(
                id=uuid.UUID(key),
                audit_id=audit_id,
                sha256=data["sha256"],
                size=data["size"],
                width=data["width"],
                height=data["height"],
                taken_at=_moment(data["taken_at"]),
                created_by_id=_uuid(data["created_by_id"]),
            )
            s.add(row)
        wire.assign(wire.PHOTO, row, data, only=("caption", "version"))
        row.finding_id = (
            _uuid(data["finding_id"])
            if data["finding_id"] and s.get(Finding, uuid.UUID(data["finding_id"]))
            else None
        )
        row.response_id = (
            self._response(audit_id, data["item_key"]).id if data["item_key"] else None
        )
        original = data.get("annotated_from_id")
        row.annotated_from_id = (
            _uuid(original) if original and s.get(Photo, uuid.UUID(original)) else None
        )
        row.deleted_at = datetime.now().astimezone() if data["deleted"] else None
        if teammates and s.get(UploadedBlob, data["sha256"]) is None:
            s.add(UploadedBlob(sha256=data["sha256"]))  # the server knows it: never ours to send
        s.flush()

    def _register(self, model, entity, audit_id, key, data) -> None:  # type: ignore[no-untyped-def]
        """A register entry (or entry of audit time): placed, changed, or removed."""
        row = self.session.get(model, uuid.UUID(key))
        if data is None:
            if row is not None:
                self.session.delete(row)
            return
        if row is None:
            row = model(id=uuid.UUID(key), audit_id=audit_id)
            self.session.add(row)
        wire.assign(entity, row, data)
        self.session.flush()

    def interviewee(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        self._register(Interviewee, wire.INTERVIEWEE, audit_id, key, data)

    def sampled_record(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        self._register(SampledRecord, wire.SAMPLED_RECORD, audit_id, key, data)

    def activity(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        self._register(AuditActivity, wire.ACTIVITY, audit_id, key, data)

    def meeting(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        kind = MeetingKind(key)
        row = self.session.scalars(
            select(Meeting).where(Meeting.audit_id == audit_id, Meeting.kind == kind)
        ).first() or Meeting(audit_id=audit_id, kind=kind)
        wire.assign(wire.MEETING, row, data, skip=("kind",))
        self.session.add(row)

    def closure(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        row = self.session.scalars(
            select(AuditClosure).where(AuditClosure.audit_id == audit_id)
        ).first() or AuditClosure(audit_id=audit_id, digest_version=1)
        wire.assign(wire.CLOSURE, row, data)  # an older server's row lacks newer fields
        self.session.add(row)

    def review_comment(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        """A reviewer's query, a reply in its thread, or the reasons of a return (the reviewer
        has no user row on a laptop: the name comes along)."""
        if data is None:
            row = self.session.get(ReviewComment, uuid.UUID(key))
            if row is not None:
                self.session.delete(row)
            return
        row = self.session.get(ReviewComment, uuid.UUID(key))
        if row is None:
            row = ReviewComment(id=uuid.UUID(key), audit_id=audit_id, body="")
            self.session.add(row)
        row.author_name = data["author"]
        wire.assign(
            wire.REVIEW_COMMENT,
            row,
            data,
            only=("body", "kind", "item_key", "resolved_at", "resolved_by", "version"),
        )
        # Links are kept only to rows this laptop holds (an older server sends neither).
        finding_id = data.get("finding_id")
        row.finding_id = (
            _uuid(finding_id)
            if finding_id and self.session.get(Finding, uuid.UUID(finding_id))
            else None
        )
        parent_id = data.get("parent_id")
        row.parent_id = (
            _uuid(parent_id)
            if parent_id and self.session.get(ReviewComment, uuid.UUID(parent_id))
            else None
        )

    def corrective_action(self, audit_id: uuid.UUID, key: str, data: dict[str, Any] | None) -> None:
        """A client's corrective action as the server holds it: its state, and every revision
        the client sent with its evidence files (their bytes come after the pull)."""
        row = self.session.get(CorrectiveAction, uuid.UUID(key))
        if data is None:
            if row is not None:
                self.session.delete(row)
            return
        finding_id = uuid.UUID(data["finding_id"])
        if self.session.get(Finding, finding_id) is None:
            return  # a finding this laptop does not hold
        if row is None:
            row = CorrectiveAction(id=uuid.UUID(key), audit_id=audit_id, finding_id=finding_id)
            self.session.add(row)
        wire.assign(wire.CORRECTIVE_ACTION, row, data, skip=("finding_id",))
        row.revisions.clear()
        self.session.flush()
        for r in data.get("revisions", []):
            revision = CorrectiveActionRevision(id=uuid.UUID(r["id"]))
            wire.assign(wire.CAPA_REVISION, revision, r)
            for f in r.get("files", []):
                evidence = EvidenceFile(id=uuid.UUID(f["id"]))
                wire.assign(wire.EVIDENCE_FILE, evidence, f)
                revision.files.append(evidence)
            row.revisions.append(revision)


def take_local_number(session: Session, finding: Finding, number: int) -> None:
    """Give `finding` the draft number the server gave it (P1, P2, ... per auditor)."""
    if finding.local_number != number:
        make_room(session, finding.audit_id, finding.created_by_id, number)
        finding.local_number = number
        session.flush()


def make_room(
    session: Session, audit_id: uuid.UUID, created_by_id: uuid.UUID | None, number: int
) -> None:
    """Move this auditor's finding that holds draft `number` here to their next free number.

    Two laptops of one auditor number findings on their own; the server keeps the first it
    received and renumbers the other (its laptop takes the new number from the push result).
    A finding here not yet sent that holds a number another laptop's finding came down with
    moves aside; the server will renumber it the same way when it arrives.
    """
    mine = select(Finding).where(
        Finding.audit_id == audit_id, Finding.created_by_id == created_by_id
    )
    holder = session.scalars(mine.where(Finding.local_number == number)).first()
    if holder is None:
        return
    taken = [f.local_number for f in session.scalars(mine)]
    holder.local_number = max([*taken, number]) + 1
    session.flush()
