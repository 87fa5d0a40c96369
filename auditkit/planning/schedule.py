"""The audit plan per day, site and auditor (no Flask): what is audited when, where and by
whom, and what is audited remotely (IAF MD 4 asks the plan to say so). Kept on the audit,
sorted by day and time; only a planned audit's schedule changes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from auditkit import workflow
from auditkit.field_errors import FieldError
from auditkit.models import Audit
from auditkit.unit_of_work import ServerWork

TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
MAX_ITEMS = 200


class ScheduleError(FieldError):
    pass


def _item(audit: Audit, values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        day = date.fromisoformat(str(values.get("day", "")).strip())
    except ValueError:
        raise ScheduleError("day", "Give the day as YYYY-MM-DD.") from None
    if not audit.start_date <= day <= audit.end_date:
        raise ScheduleError("day", f"The audit runs from {audit.start_date} to {audit.end_date}.")
    start, end = (str(values.get(k, "")).strip() for k in ("start", "end"))
    for name, value in (("start", start), ("end", end)):
        if not TIME.fullmatch(value):
            raise ScheduleError(name, "Give the time as HH:MM, such as 09:30.")
    if end <= start:
        raise ScheduleError("end", "The end comes after the start.")
    site_id = str(values.get("site_id", "") or "")
    if site_id and site_id not in {str(s.id) for s in audit.sites}:
        raise ScheduleError("site_id", "Choose one of the audit's sites, or none for remote.")
    auditor_id = str(values.get("auditor_id", "") or "")
    if auditor_id not in {str(m.user_id) for m in audit.team}:
        raise ScheduleError("auditor_id", "Choose a member of the team.")
    activity = str(values.get("activity", "") or "").strip()
    if not activity:
        raise ScheduleError("activity", "Say what is audited: processes, clauses, people.")
    if len(activity) > 1000:
        raise ScheduleError("activity", "Keep this under 1000 characters.")
    remote = str(values.get("remote", "")) in ("1", "on", "true")
    if not site_id and not remote:
        raise ScheduleError("site_id", "Choose the site, or mark the item as remote.")
    return {
        "id": str(uuid.uuid4()),
        "day": day.isoformat(),
        "start": start,
        "end": end,
        "site_id": site_id or None,
        "auditor_id": auditor_id,
        "activity": activity,
        "remote": remote,
    }


def _planned(audit: Audit) -> None:
    if not workflow.plan_open(audit.status):
        raise ScheduleError("activity", "Only a planned audit's schedule changes.")


def add_item(work: ServerWork, audit: Audit, values: Mapping[str, Any]) -> dict[str, Any]:
    _planned(audit)
    if len(audit.schedule) >= MAX_ITEMS:
        raise ScheduleError("activity", f"At most {MAX_ITEMS} items in a schedule.")
    item = _item(audit, values)
    clashes = [
        other
        for other in audit.schedule
        if other["auditor_id"] == item["auditor_id"]
        and other["day"] == item["day"]
        and other["start"] < item["end"]
        and item["start"] < other["end"]
    ]
    if clashes:
        raise ScheduleError(
            "start",
            f"This auditor is already busy from {clashes[0]['start']} to {clashes[0]['end']} "
            f"that day: {clashes[0]['activity']}.",
        )
    audit.schedule = sorted([*audit.schedule, item], key=lambda i: (i["day"], i["start"]))
    work.event(
        "audit.schedule_add",
        audit_id=audit.id,
        entity="audit",
        entity_id=str(audit.id),
        detail={k: item[k] for k in ("day", "start", "end", "auditor_id", "remote")},
    )
    return item


def remove_item(work: ServerWork, audit: Audit, item_id: str) -> None:
    _planned(audit)
    kept = [i for i in audit.schedule if i["id"] != item_id]
    if len(kept) == len(audit.schedule):
        raise ScheduleError("activity", "That item is not in the schedule.")
    audit.schedule = kept
    work.event("audit.schedule_remove", audit_id=audit.id, entity="audit", entity_id=str(audit.id))


def rows(audit: Audit) -> list[dict[str, Any]]:
    """The schedule with site and auditor names, for the pages."""
    sites = {str(s.id): s.name for s in audit.sites}
    people = {str(m.user_id): m.user.full_name for m in audit.team}
    return [
        item
        | {
            "site": sites.get(item.get("site_id") or "", "remote"),
            "auditor": people.get(item["auditor_id"], "(no longer on the team)"),
        }
        for item in audit.schedule
    ]
