"""Tiny factories for test data on the server database, so a test builds only what it needs.

Each function takes a Session, adds its rows, flushes (never commits) and returns the model;
unique values come from one module-level sequence. In a test, use the `factory` fixture
(tests/conftest.py): the same functions bound to a fresh session on the migrated server
database, plus `commit()` for when an app or client must see the rows::

    def test_x(factory):
        audit = factory.audit(lead=factory.user(Role.AUDITOR))
        factory.commit()

    def test_pull(factory, cb_client):
        lead = factory.auditor()
        audit = factory.audit(lead=lead)
        device, token = factory.device_and_token(lead)
        factory.commit()
        cb_client.post("/api/sync/v1/pull", json={"cursor": 0}, headers=api_headers(token))

Add a factory by writing its function and naming it in BUILDERS.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from auditkit.certifications.overview import refresh_next_due
from auditkit.demo import DEMO_PASSWORD
from auditkit.models import (
    Audit,
    AuditorQualification,
    AuditStatus,
    AuditTeamMember,
    AuditType,
    Blob,
    Certification,
    CertificationCycle,
    Contact,
    Device,
    Finding,
    FindingClause,
    Grade,
    Organisation,
    Photo,
    Response,
    Role,
    Site,
    TeamRole,
    User,
    UserRole,
    utcnow,
)
from auditkit.photos import normalize
from auditkit.photostore import PhotoStore
from auditkit.planning import pin_checklists
from sync import protocol
from sync.server.auth import issue_tokens

# The demo's password, so tests.helpers.sign_in signs factory users in with its default.
PASSWORD = DEMO_PASSWORD
# One round of PBKDF2: check_password_hash verifies it like any werkzeug hash, at no cost.
FAST_HASH = "pbkdf2:sha256:1"

_sequence = itertools.count(1)
_Row = TypeVar("_Row")


def _next() -> int:
    return next(_sequence)


def _add(session: Session, row: _Row) -> _Row:
    session.add(row)
    session.flush()
    return row


# ---- people ----


def user(
    session: Session,
    *roles: Role,
    username: str | None = None,
    full_name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    """A user with these roles who can sign in with `password`."""
    n = _next()
    username = username or f"user{n}"
    row = User(
        username=username,
        full_name=full_name or f"Test User {n}",
        email=f"{username}@cb.example",
        password_hash=generate_password_hash(password, method=FAST_HASH),
        is_active=active,
        roles=[UserRole(role=r) for r in roles],
    )
    return _add(session, row)


def auditor(session: Session, **kwargs: Any) -> User:
    """A user with the auditor role."""
    return user(session, Role.AUDITOR, **kwargs)


def planner(session: Session, **kwargs: Any) -> User:
    """A user with the planner role."""
    return user(session, Role.PLANNER, **kwargs)


def reviewer(session: Session, **kwargs: Any) -> User:
    """A user with the technical reviewer role."""
    return user(session, Role.REVIEWER, **kwargs)


def decision_maker(session: Session, **kwargs: Any) -> User:
    """A user with the decision maker role."""
    return user(session, Role.DECISION_MAKER, **kwargs)


# ---- clients ----


def organisation(
    session: Session, *, name: str | None = None, sites: int = 1, contact: bool = True
) -> Organisation:
    """A client with `sites` sites (the first is the headquarters) and a management rep."""
    name = name or f"Client {_next()}"
    org = Organisation(name=name, legal_name=f"{name} B.V.", city="Utrecht", country="NL")
    session.add(org)
    for i in range(sites):
        site(session, org, headquarters=i == 0)
    if contact:
        _contact(session, org)
    session.flush()
    return org


def site(
    session: Session,
    organisation: Organisation,
    *,
    name: str | None = None,
    headquarters: bool = False,
) -> Site:
    """A site of the organisation."""
    n = _next()
    row = Site(
        organisation=organisation,
        name=name or f"Site {n}",
        address=f"Teststraat {n}",
        city="Utrecht",
        country="NL",
        activities="Assembly of test components.",
        is_headquarters=headquarters,
    )
    return _add(session, row)


def contact(
    session: Session,
    organisation: Organisation,
    *,
    name: str | None = None,
    user: User | None = None,
) -> Contact:
    """The organisation's management representative (a portal user when `user` is given)."""
    n = _next()
    row = Contact(
        organisation=organisation,
        name=name or f"Contact {n}",
        job_title="Quality manager",
        email=f"contact{n}@client.example",
        is_management_representative=True,
        user_id=user.id if user else None,
    )
    return _add(session, row)


# Factories below take parameters named like these (audit(organisation=...)), hiding them.
_organisation, _contact = organisation, contact


def certification(
    session: Session,
    *,
    organisation: Organisation | None = None,
    scheme: str = "iso9001-2015",
    personnel: int = 40,
    sector_codes: Iterable[int] = (17,),
    **fields: Any,
) -> Certification:
    """A certification of `organisation` (a new client by default) with all its sites in scope."""
    org = organisation or _organisation(session)
    fields.setdefault("reviewed_at", utcnow())  # the application review is done
    row = Certification(
        organisation=org,
        scheme=scheme,
        scope=fields.pop("scope", f"The {scheme} scope of {org.name}"),
        sector_codes=list(sector_codes),
        personnel={"full_time": personnel},
        effective_personnel=personnel,
        sites=list(org.sites),
        **fields,
    )
    _add(session, row)
    refresh_next_due(row, date.today())
    return row


def certification_cycle(
    session: Session, certification: Certification, *, start: date | None = None
) -> CertificationCycle:
    """A three-year cycle of the certification starting on `start` (today by default)."""
    start = start or date.today()
    try:
        end = start.replace(year=start.year + 3)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + 3, day=28)
    row = CertificationCycle(start_date=start, expiry_date=end - timedelta(days=1))
    certification.cycles.append(row)
    _add(session, row)
    refresh_next_due(certification, date.today())
    return row


def qualification(
    session: Session,
    user: User,
    scheme: str = "iso9001-2015",
    *,
    may_lead: bool = True,
    sector_codes: Iterable[int] = range(1, 40),
    qualified_on: date = date(2020, 1, 1),
    **fields: Any,
) -> AuditorQualification:
    """A qualification in force for `scheme` (as lead by default), every sector by default."""
    row = AuditorQualification(
        user_id=user.id,
        scheme=scheme,
        may_lead=may_lead,
        sector_codes=list(sector_codes),
        qualified_on=qualified_on,
        **fields,
    )
    return _add(session, row)


def qualified_auditor(session: Session, *schemes: str, **kwargs: Any) -> User:
    """An auditor qualified to lead each of `schemes` (ISO 9001 by default) in every sector."""
    person = auditor(session, **kwargs)
    for scheme in schemes or ("iso9001-2015",):
        qualification(session, person, scheme)
    return person


# ---- audits ----


def audit(
    session: Session,
    *,
    organisation: Organisation | None = None,
    audit_type: AuditType = AuditType.STAGE2,
    status: AuditStatus = AuditStatus.PLANNED,
    lead: User | None = None,
    members: Iterable[User | tuple[User, TeamRole]] = (),
    checklists: Iterable[str] = ("iso9001-2015",),
    start: date | None = None,
    days: int = 2,
    vca_level: str | None = None,
    **fields: Any,
) -> Audit:
    """An audit of all the organisation's sites, its team, and its checklists pinned."""
    org = organisation or _organisation(session)
    start = start or date.today() + timedelta(days=14)
    team = [(lead, TeamRole.LEAD)] if lead else []
    team += [m if isinstance(m, tuple) else (m, TeamRole.AUDITOR) for m in members]
    row = Audit(
        organisation=org,
        audit_type=audit_type,
        status=status,
        start_date=start,
        end_date=start + timedelta(days=max(days, 1) - 1),
        planned_days=Decimal(days),
        vca_level=vca_level,
        objectives=fields.pop("objectives", "Evaluate the management system."),
        scope=fields.pop("scope", "Assembly of test components."),
        criteria=fields.pop("criteria", "ISO 9001:2015."),
        sites=list(org.sites),
        team=[AuditTeamMember(user=u, role=role) for u, role in team],
        **fields,
    )
    session.add(row)
    session.flush()
    pin_checklists(session, row, list(checklists))
    return row


def finding(
    session: Session,
    audit: Audit,
    *,
    grade: Grade = Grade.MINOR,
    clause: tuple[str, str] = ("iso9001-2015", "7.2"),
    by: User | None = None,
    local_number: int | None = None,
    number: str | None = None,
    statement: str | None = None,
    **fields: Any,
) -> Finding:
    """A finding on the server (version 1) against one clause; `by` defaults to the lead."""
    if by is None and audit.lead is not None:
        by = audit.lead.user
    by_id = by.id if by else None
    if local_number is None:
        highest = session.scalar(
            select(func.max(Finding.local_number)).where(
                Finding.audit_id == audit.id, Finding.created_by_id == by_id
            )
        )
        local_number = (highest or 0) + 1
    row = Finding(
        audit_id=audit.id,
        local_number=local_number,
        number=number,
        grade=grade,
        statement=statement if statement is not None else f"Finding {_next()}.",
        created_by_id=by_id,
        version=1,
        field_versions={},
        clauses=[FindingClause(checklist_id=clause[0], clause_number=clause[1])],
        **fields,
    )
    return _add(session, row)


def jpeg(seed: int | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG whose colour (and so sha256) differs per seed."""
    seed = _next() if seed is None else seed
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, seed % 256)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo(
    session: Session,
    audit: Audit,
    *,
    finding: Finding | None = None,
    response: Response | None = None,
    sha256: str | None = None,
    caption: str = "",
    by: User | None = None,
    store: PhotoStore | None = None,
    image: Image.Image | bytes | None = None,
) -> Photo:
    """A photo row; with `store`, its normalised JPEG is stored and a Blob row added."""
    fields: dict[str, Any] = {"size": 1000, "width": 800, "height": 600}
    if store is not None or image is not None:
        data = (
            image if isinstance(image, bytes) else _encode(image) if image is not None else jpeg()
        )
        normal = normalize(data)
        if sha256 is not None and sha256 != normal.sha256:
            raise ValueError("Give either sha256 or the image, not both.")
        sha256 = normal.sha256
        fields = {"size": normal.size, "width": normal.width, "height": normal.height}
        if store is not None:
            store.put(normal.jpeg, sha256, checked=True)
            if session.get(Blob, sha256) is None:
                session.add(Blob(sha256=sha256, size=normal.size))
    row = Photo(
        audit_id=audit.id,
        sha256=sha256 or hashlib.sha256(f"photo {_next()}".encode()).hexdigest(),
        caption=caption,
        finding_id=finding.id if finding else None,
        response_id=response.id if response else None,
        created_by_id=by.id if by else None,
        version=1,
        field_versions={},
        **fields,
    )
    return _add(session, row)


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


# ---- laptops ----


def device(session: Session, user: User, *, label: str | None = None) -> Device:
    """A laptop registered to the user."""
    row = Device(user_id=user.id, label=label or f"Laptop {_next()}")
    return _add(session, row)


def device_token(session: Session, device: Device) -> str:
    """A live raw access token of the device, minted the way enrolment mints it."""
    token = issue_tokens(session, device)["access_token"]
    session.flush()
    return str(token)


def device_and_token(session: Session, user: User | None = None) -> tuple[Device, str]:
    """A laptop of the user (a new auditor by default) and its raw access token."""
    row = device(session, user or auditor(session))
    return row, device_token(session, row)


def api_headers(token: str) -> dict[str, str]:
    """The headers a laptop sends on every sync API call."""
    return {
        "Authorization": f"Bearer {token}",
        protocol.PROTOCOL_HEADER: str(protocol.PROTOCOL_VERSION),
        protocol.SCHEMA_HEADER: str(protocol.SCHEMA_VERSION),
    }


BUILDERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        user,
        auditor,
        planner,
        reviewer,
        decision_maker,
        organisation,
        site,
        contact,
        certification,
        certification_cycle,
        qualification,
        qualified_auditor,
        audit,
        finding,
        photo,
        device,
        device_token,
        device_and_token,
    )
}


def _register_more() -> None:
    from tests.factories_certificates import certificate

    BUILDERS["certificate"] = certificate


_register_more()


class Factory:
    """The factories bound to one session: `factory.audit(...)` is `audit(session, ...)`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in BUILDERS:
            raise AttributeError(name)
        return functools.partial(BUILDERS[name], self.session)

    def commit(self) -> None:
        """Commit what was built, so an app or test client on the same database sees it."""
        self.session.commit()
