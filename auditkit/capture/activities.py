"""The register of actual audit time: dates, places and activities per auditor (17021-1 9.4.8,
IAF MD 4 for remote auditing, MD 5 for time off site)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.models import ActivityMode, AuditActivity, AuditTeamMember
from sync import wire

MAX_HOURS = Decimal("16")


@dataclass(frozen=True)
class TimeSummary:
    """Hours per mode, and the shares a report states (remote share of auditing, MD 4)."""

    on_site: Decimal
    remote: Decimal
    off_site: Decimal

    @property
    def auditing(self) -> Decimal:
        return self.on_site + self.remote

    @property
    def total(self) -> Decimal:
        return self.auditing + self.off_site

    @property
    def days(self) -> Decimal:
        return self.total / 8  # one audit day is 8 hours (IAF MD 5)

    def share(self, part: Decimal, of: Decimal) -> int:
        return int((part * 100 / of).quantize(Decimal("1"))) if of else 0

    @property
    def remote_percent(self) -> int:
        return self.share(self.remote, self.auditing)

    @property
    def off_site_percent(self) -> int:
        return self.share(self.off_site, self.total)


def team_ids(ws: Workspace) -> set[uuid.UUID]:
    return set(
        ws.session.scalars(
            select(AuditTeamMember.user_id).where(AuditTeamMember.audit_id == ws.audit.id)
        )
    )


def save_activity(
    ws: Workspace,
    form: FormData,
    existing: AuditActivity | None = None,
    *,
    confirm_void: bool = False,
) -> AuditActivity:
    """Add or change an entry of the register; Invalid names each field to fix."""
    reader = FormReader(form)
    day = reader.day("day")
    if day is None and "day" not in reader.errors:
        reader.fail("day", "Give the day, as YYYY-MM-DD.")
    auditor = reader.optional_uuid("auditor_id", team_ids(ws)) or ws.user_id
    mode = reader.choice("mode", ActivityMode, required="Choose on site, remote or off site.")
    site_id = reader.optional_uuid("site_id", {s.id for s in ws.audit.sites})
    hours = _hours(reader)
    activity = reader.text(
        "activity", required="Say what was audited or done (process, area, people).", limit=2000
    )
    ict = reader.text("ict", limit=300)
    if mode == ActivityMode.ON_SITE and site_id is None:
        reader.fail("site_id", "Choose the site where this was done.")
    if mode == ActivityMode.REMOTE and not ict:
        reader.fail("ict", "Name the ICT used (for example: video call with screen sharing).")
    reader.done()
    values = {
        "day": day,
        "auditor_id": auditor,
        "mode": mode,
        "site_id": site_id,
        "hours": hours,
        "activity": activity,
        "ict": ict if mode == ActivityMode.REMOTE else "",
    }
    row = existing or AuditActivity(audit_id=ws.audit.id, version=0)
    before = wire.row(wire.ACTIVITY, row) if existing is not None else {}
    holder = type("Values", (), values)()
    after = {k: wire.value_of(wire.ACTIVITY.field(k), holder) for k in values}
    changes = wire.changes(wire.ACTIVITY, before, {**before, **after})
    if existing is not None and not changes:
        return row
    ws.ensure_editable(confirm_void=confirm_void)
    ws.session.add(row)
    base = row.version or None
    for key, value in values.items():
        setattr(row, key, value)
    row.version = (row.version or 0) + 1
    ws.session.flush()
    ws.record("activity.upsert.v1", str(row.id), base, changes)
    return row


def _hours(reader: FormReader) -> Decimal:
    raw = (reader.form.get("hours") or "").strip().replace(",", ".")
    try:
        hours = Decimal(raw)
    except InvalidOperation:
        reader.fail("hours", "Give the hours as a number, for example 3.5.")
        return Decimal(0)
    if not Decimal(0) < hours <= MAX_HOURS or hours != hours.quantize(Decimal("0.25")):
        reader.fail("hours", f"Give between 0.25 and {MAX_HOURS} hours, in quarters of an hour.")
    return hours


def delete_activity(ws: Workspace, row: AuditActivity, *, confirm_void: bool = False) -> None:
    ws.ensure_editable(confirm_void=confirm_void)
    ws.record("activity.delete.v1", str(row.id), row.version, {})
    ws.session.delete(row)


def activities(ws: Workspace) -> list[AuditActivity]:
    return list(
        ws.session.scalars(
            select(AuditActivity)
            .where(AuditActivity.audit_id == ws.audit.id)
            .order_by(AuditActivity.day, AuditActivity.created_at)
        )
    )


def summarise(rows: list[AuditActivity]) -> TimeSummary:
    totals = {mode: Decimal(0) for mode in ActivityMode}
    for row in rows:
        totals[row.mode] += Decimal(row.hours)
    return TimeSummary(
        totals[ActivityMode.ON_SITE], totals[ActivityMode.REMOTE], totals[ActivityMode.OFF_SITE]
    )
