"""Client records (no Flask): organisations, their sites and contacts; likely duplicates.

What a planner keeps about a client before any audit is planned: the organisation (legal
name, registration number, address), its sites (permanent or temporary, personnel per shift,
activities) and its contacts. Each change is checked here, written through the caller's
unit of work with an audit event, and never committed here. An organisation is archived,
never deleted: its audits, decisions and certificates stay readable.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from auditkit.field_errors import FieldError
from auditkit.models import Contact, Organisation, Site, utcnow
from auditkit.unit_of_work import ServerWork

SITE_KINDS = ("permanent", "temporary")
MAX_SHIFTS = 6
MAX_PERSONNEL = 1_000_000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Legal forms left out when comparing names: "Brightwater Components B.V." is
# "brightwater components" as is "Brightwater Components BV".
LEGAL_FORMS = frozenset(
    "bv nv vof cv ltd limited plc llc inc gmbh ag sa sarl srl spa ab as oy".split()
)


class ClientError(FieldError):
    """A client change refused; `field` names the form field to show `message` beside."""


def _text(values: Mapping[str, str], name: str, limit: int, *, required: str = "") -> str:
    value = str(values.get(name, "")).replace("\r\n", "\n").strip()
    if required and not value:
        raise ClientError(name, required)
    if len(value) > limit:
        raise ClientError(name, f"Keep this under {limit} characters.")
    return value


def _country(values: Mapping[str, str]) -> str:
    country = _text(values, "country", 100).upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise ClientError("country", "Give the country as its two-letter code, such as NL.")
    return country


# ---- organisations ----


def comparable_name(name: str) -> str:
    """The name as it is compared for duplicates: no accents, case, punctuation, legal form."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9 ]+", "", plain.replace(".", "")).split()
    return " ".join(w for w in words if w not in LEGAL_FORMS)


def likely_duplicates(
    work: ServerWork, name: str, registration_number: str, *, besides: uuid.UUID | None = None
) -> list[Organisation]:
    """Clients that are probably this one: the same comparable name or registration number."""
    wanted = comparable_name(name)
    number = registration_number.replace(" ", "").upper()
    conditions = []
    if number:
        conditions.append(
            func.upper(func.replace(Organisation.registration_number, " ", "")) == number
        )
    first_word = wanted.split(" ")[0] if wanted else ""
    if first_word:  # narrowed in SQL, compared exactly below
        conditions.append(func.lower(Organisation.legal_name).contains(first_word))
        conditions.append(func.lower(Organisation.name).contains(first_word))
    if not conditions:
        return []
    query = select(Organisation).where(or_(*conditions)).order_by(Organisation.name).limit(200)
    found = []
    for org in work.session.scalars(query):
        if org.id == besides:
            continue
        same_number = number and org.registration_number.replace(" ", "").upper() == number
        same_name = wanted and wanted in (
            comparable_name(org.name),
            comparable_name(org.legal_name),
        )
        if same_number or same_name:
            found.append(org)
    return found


@dataclass
class DuplicateWarning(Exception):
    """Creating this client needs a second look: these look like the same organisation."""

    candidates: list[Organisation]


def _organisation_fields(values: Mapping[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {
        "legal_name": _text(
            values, "legal_name", 200, required="Give the legal name, as registered."
        ),
        "registration_number": _text(values, "registration_number", 60),
        "address": _text(values, "address", 2000),
        "city": _text(values, "city", 100),
        "country": _country(values),
    }
    fields["name"] = _text(values, "name", 200) or fields["legal_name"]
    return fields


def create_organisation(
    work: ServerWork, values: Mapping[str, str], *, duplicate_confirmed: bool = False
) -> Organisation:
    """A new client. DuplicateWarning unless no likely duplicate exists or it was confirmed."""
    fields = _organisation_fields(values)
    if not duplicate_confirmed:
        candidates = likely_duplicates(
            work, str(fields["legal_name"]), str(fields["registration_number"])
        )
        candidates += [
            c for c in likely_duplicates(work, str(fields["name"]), "") if c not in candidates
        ]
        if candidates:
            raise DuplicateWarning(candidates)
    org = Organisation(**fields)
    work.session.add(org)
    work.session.flush()
    work.event(
        "organisation.create",
        entity="organisation",
        entity_id=str(org.id),
        detail={"name": org.name, "duplicate_confirmed": duplicate_confirmed},
    )
    return org


def update_organisation(work: ServerWork, org: Organisation, values: Mapping[str, str]) -> None:
    fields = _organisation_fields(values)
    changed = {k: v for k, v in fields.items() if getattr(org, k) != v}
    for key, value in changed.items():
        setattr(org, key, value)
    if changed:
        work.event(
            "organisation.update",
            entity="organisation",
            entity_id=str(org.id),
            detail={"fields": sorted(changed)},
        )


def archive(work: ServerWork, org: Organisation, *, archived: bool = True) -> None:
    org.archived_at = utcnow() if archived else None
    work.event(
        "organisation.archive" if archived else "organisation.unarchive",
        entity="organisation",
        entity_id=str(org.id),
    )


# ---- sites ----


def parse_shift_personnel(raw: str) -> list[int]:
    """ "40, 25, 10" (people per shift) -> [40, 25, 10]; refused with a sentence otherwise."""
    parts = [p.strip() for p in re.split(r"[,;+\s]+", raw.strip()) if p.strip()]
    if not parts:
        raise ClientError(
            "shift_personnel", "Give the number of people at work, one number per shift."
        )
    if len(parts) > MAX_SHIFTS:
        raise ClientError("shift_personnel", f"At most {MAX_SHIFTS} shifts.")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise ClientError(
            "shift_personnel", "Use whole numbers separated by commas, such as 40, 25, 10."
        ) from None
    if any(n < 0 or n > MAX_PERSONNEL for n in numbers) or sum(numbers) == 0:
        raise ClientError(
            "shift_personnel", "A site has at least one person at work, and no negative counts."
        )
    return numbers


def _site_fields(values: Mapping[str, str]) -> dict[str, object]:
    kind = str(values.get("kind", "permanent"))
    if kind not in SITE_KINDS:
        raise ClientError("kind", "A site is permanent or temporary.")
    return {
        "name": _text(values, "name", 200, required="Name the site."),
        "address": _text(values, "address", 2000),
        "city": _text(values, "city", 100),
        "country": _country(values),
        "activities": _text(values, "activities", 5000),
        "kind": kind,
        "shift_personnel": parse_shift_personnel(str(values.get("shift_personnel", ""))),
        "is_headquarters": str(values.get("is_headquarters", "")) in ("1", "on", "true"),
    }


def save_site(
    work: ServerWork, org: Organisation, values: Mapping[str, str], site: Site | None = None
) -> Site:
    """Add a site to `org`, or change `site`; one headquarters (central function) at most."""
    fields = _site_fields(values)
    saved = _save(work, org, Site, "site", fields, site)
    if fields["is_headquarters"]:
        for other in org.sites:
            if other is not saved:
                other.is_headquarters = False
    return saved


def _save(work, org, model, entity, fields, existing):  # type: ignore[no-untyped-def]
    """Create a record of `org` from checked `fields`, or change `existing`; log the event."""
    if existing is None:
        existing = model(organisation_id=org.id, **fields)
        work.session.add(existing)
        action = f"{entity}.create"
    else:
        for key, value in fields.items():
            setattr(existing, key, value)
        action = f"{entity}.update"
    work.session.flush()
    work.event(
        action, entity=entity, entity_id=str(existing.id), detail={"organisation": str(org.id)}
    )
    return existing


# ---- contacts ----


def save_contact(
    work: ServerWork, org: Organisation, values: Mapping[str, str], contact: Contact | None = None
) -> Contact:
    email = _text(values, "email", 254)
    if email and not EMAIL.fullmatch(email):
        raise ClientError("email", "This does not look like an e-mail address.")
    phone = _text(values, "phone", 50)
    if phone and not re.fullmatch(r"[0-9+()\-. /]{6,50}", phone):
        raise ClientError("phone", "Use digits, spaces and + ( ) - only, such as +31 20 123 4567.")
    fields = {
        "name": _text(values, "name", 200, required="Give the contact's name."),
        "job_title": _text(values, "job_title", 200),
        "email": email,
        "phone": phone,
        "is_management_representative": str(values.get("is_management_representative", ""))
        in ("1", "on", "true"),
    }
    return _save(work, org, Contact, "contact", fields, contact)
