"""The test factories build valid rows that the apps and sync accept as real ones."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import select

from auditkit.accounts import check_credentials
from auditkit.checklists import shipped_checklists_dir
from auditkit.models import (
    Audit,
    AuditStatus,
    Blob,
    Finding,
    Grade,
    Photo,
    Role,
    TeamRole,
)
from auditkit.photostore import PhotoStore
from auditkit.planning import pinned_checklists
from tests.factories import Factory, api_headers


def test_users_get_unique_usernames_and_their_roles(factory: Factory) -> None:
    first, second = factory.user(Role.AUDITOR), factory.user(Role.REVIEWER, Role.PLANNER)
    assert first.username != second.username
    assert first.role_names == ["auditor"]
    assert second.role_names == ["planner", "reviewer"]
    assert factory.reviewer().has_role(Role.REVIEWER)


def test_a_user_signs_in_with_the_default_password(factory: Factory) -> None:
    made = factory.auditor(username="anna", full_name="Anna Test")
    factory.commit()
    assert check_credentials(factory.session, "anna", "auditkit-demo") is made
    assert check_credentials(factory.session, "anna", "wrong") is None


def test_an_inactive_user_cannot_sign_in(factory: Factory) -> None:
    factory.user(Role.AUDITOR, username="gone", password="secret", active=False)
    assert check_credentials(factory.session, "gone", "secret") is None


def test_organisation_has_a_headquarters_site_and_a_representative(factory: Factory) -> None:
    org = factory.organisation(sites=3)
    assert len(org.sites) == 3
    assert [s.is_headquarters for s in org.sites].count(True) == 1
    assert [c.is_management_representative for c in org.contacts] == [True]
    assert factory.organisation(sites=0, contact=False).contacts == []


def test_certification_cycle_lasts_three_years(factory: Factory) -> None:
    cycle = factory.certification_cycle(factory.certification(), start=date(2024, 2, 29))
    assert cycle.expiry_date == date(2027, 2, 27)


def test_audit_team_has_the_lead_and_members_with_their_roles(factory: Factory) -> None:
    lead, second, expert = factory.auditor(), factory.auditor(), factory.auditor()
    audit = factory.audit(lead=lead, members=[second, (expert, TeamRole.TECHNICAL_EXPERT)])
    roles = {m.user: m.role for m in audit.team}
    assert roles == {
        lead: TeamRole.LEAD,
        second: TeamRole.AUDITOR,
        expert: TeamRole.TECHNICAL_EXPERT,
    }
    assert audit.lead.user is lead
    assert audit.status == AuditStatus.PLANNED
    assert (audit.end_date - audit.start_date).days == 1


def test_audit_covers_the_organisations_sites(factory: Factory) -> None:
    org = factory.organisation(sites=2)
    audit = factory.audit(organisation=org)
    assert audit.sites == org.sites
    assert factory.audit().organisation is not org


def test_audit_pins_the_shipped_checklist_content(factory: Factory) -> None:
    audit = factory.audit(checklists=("iso9001-2015", "iso14001-2015"))
    factory.commit()
    pinned = factory.session.get(Audit, audit.id).checklists
    assert [c.checklist_id for c in pinned] == ["iso9001-2015", "iso14001-2015"]
    shipped = (shipped_checklists_dir() / "iso9001-2015.yaml").read_text(encoding="utf-8")
    assert pinned[0].content == shipped
    assert pinned_checklists(audit)[0].id == "iso9001-2015"


def test_vca_audit_pins_the_vca_checklist(factory: Factory) -> None:
    audit = factory.audit(checklists=("vca-2017",), vca_level="star2")
    assert audit.covers_vca and not audit.covers_management_system


def test_findings_number_locally_per_author(factory: Factory) -> None:
    lead, other = factory.auditor(), factory.auditor()
    audit = factory.audit(lead=lead, members=[other])
    first, second = factory.finding(audit), factory.finding(audit, grade=Grade.MAJOR)
    theirs = factory.finding(audit, by=other)
    assert (first.local_number, second.local_number, theirs.local_number) == (1, 2, 1)
    assert first.created_by_id == lead.id
    assert (first.version, first.field_versions, first.grade) == (1, {}, Grade.MINOR)
    clause = first.clauses[0]
    assert (clause.checklist_id, clause.clause_number) == ("iso9001-2015", "7.2")
    factory.commit()
    assert len(factory.session.scalars(select(Finding)).all()) == 3


def test_photo_with_store_has_its_bytes_at_its_sha256_and_a_blob(
    factory: Factory, tmp_path: Path
) -> None:
    store = PhotoStore(tmp_path / "server" / "blobs")
    audit = factory.audit()
    photo = factory.photo(audit, finding=factory.finding(audit), store=store, caption="Gauge")
    factory.commit()
    data = store.path(photo.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    assert data[:2] == b"\xff\xd8" and photo.size == len(data)
    assert factory.session.get(Blob, photo.sha256).size == len(data)


def test_photo_without_store_is_a_row_with_a_unique_sha256(factory: Factory) -> None:
    audit = factory.audit()
    first, second = factory.photo(audit), factory.photo(audit)
    assert first.sha256 != second.sha256
    assert factory.session.scalars(select(Blob)).all() == []
    assert len(factory.session.scalars(select(Photo)).all()) == 2


def test_device_token_authenticates_a_pull(factory: Factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    lead = factory.auditor()
    audit = factory.audit(lead=lead)
    _, token = factory.device_and_token(lead)
    factory.commit()
    response = cb_client.post(
        "/api/sync/v1/pull", json={"cursor": 0, "known_audits": []}, headers=api_headers(token)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["audit_ids"] == [str(audit.id)]


def test_a_made_up_token_is_refused(factory: Factory, cb_client) -> None:  # type: ignore[no-untyped-def]
    factory.device(factory.auditor())
    factory.commit()
    response = cb_client.post("/api/sync/v1/pull", json={}, headers=api_headers("nonsense"))
    assert response.status_code == 401
