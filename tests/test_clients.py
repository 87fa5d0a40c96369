"""Issue 12 item 1: planners keep client records; likely duplicates are pointed out first."""

from __future__ import annotations

from sqlalchemy import select

from auditkit.models import AuditEvent, Organisation, Role, Site
from tests.helpers import csrf_from, sign_in


def _planner(cb_app, factory):  # type: ignore[no-untyped-def]
    planner = factory.user(Role.PLANNER)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, planner.username).status_code == 302
    return client, csrf_from(client.get("/clients/new").get_data(as_text=True))


def test_a_new_client_form_keeps_what_was_typed_and_says_what_to_fix(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    client, csrf = _planner(cb_app, factory)
    typed = {"csrf_token": csrf, "name": "Rivierdelta", "registration_number": "1234 5678"}
    refused = client.post("/clients/new", data={**typed, "country": "Netherlands"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="legal_name-error"' in page and "legal name" in page
    assert 'value="Rivierdelta"' in page and 'value="1234 5678"' in page
    bad_country = client.post(
        "/clients/new", data={**typed, "legal_name": "Rivierdelta B.V.", "country": "Holland"}
    )
    assert bad_country.status_code == 422 and "two-letter code" in bad_country.get_data(
        as_text=True
    )


def test_a_likely_duplicate_is_pointed_out_before_it_is_created(
    cb_app, factory, server_session
) -> None:  # type: ignore[no-untyped-def]
    existing = factory.organisation(name="Brightwater Components")
    existing.registration_number = "12345678"
    factory.commit()
    client, csrf = _planner(cb_app, factory)
    same_name = client.post(
        "/clients/new",
        data={"csrf_token": csrf, "legal_name": "Brightwater Components BV", "city": "Delft"},
    )
    page = same_name.get_data(as_text=True)
    assert same_name.status_code == 409 and 'id="duplicates"' in page
    assert "Brightwater Components" in page and "Create it anyway" in page
    assert 'value="Delft"' in page
    same_number = client.post(
        "/clients/new",
        data={
            "csrf_token": csrf,
            "legal_name": "Totally Other Ltd",
            "registration_number": "1234 5678",
        },
    )
    assert same_number.status_code == 409
    assert (
        server_session.scalar(select(Organisation).where(Organisation.name == "Totally Other Ltd"))
        is None
    )

    confirmed = client.post(
        "/clients/new",
        data={
            "csrf_token": csrf,
            "legal_name": "Brightwater Components BV",
            "city": "Delft",
            "confirm_duplicate": "1",
        },
    )
    assert confirmed.status_code == 302
    assert len(server_session.scalars(select(Organisation)).all()) == 2
    event = server_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.create")
    ).one()
    assert event.detail["duplicate_confirmed"] is True


def test_sites_with_kind_and_personnel_per_shift_and_one_central_function(
    cb_app, factory, server_session
) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation(sites=1)
    factory.commit()
    client, csrf = _planner(cb_app, factory)
    url = f"/organisations/{org.id}/sites/new"
    base = {"csrf_token": csrf, "name": "Warehouse Zwolle", "kind": "temporary"}
    for bad, message in (
        ("", "one number per shift"),
        ("abc", "whole numbers"),
        ("0", "at least one person"),
        ("-5", "at least one person"),
    ):
        refused = client.post(url, data={**base, "shift_personnel": bad})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message in page, bad
        assert 'value="Warehouse Zwolle"' in page
    saved = client.post(url, data={**base, "shift_personnel": "40, 25, 10", "is_headquarters": "1"})
    assert saved.status_code == 302
    server_session.expire_all()
    site = server_session.scalars(select(Site).where(Site.name == "Warehouse Zwolle")).one()
    assert (
        site.kind == "temporary" and site.shift_personnel == [40, 25, 10] and site.personnel == 75
    )
    heads = server_session.scalars(
        select(Site).where(Site.organisation_id == org.id, Site.is_headquarters.is_(True))
    ).all()
    assert [s.name for s in heads] == ["Warehouse Zwolle"]
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "75" in page and "40 + 25 + 10" in page
    edit = client.get(f"/organisations/{org.id}/sites/{site.id}").get_data(as_text=True)
    assert 'value="40, 25, 10"' in edit


def test_contacts_are_checked_and_archiving_keeps_the_client_readable(
    cb_app, factory, server_session
) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation(name="Delta Installatie")
    factory.commit()
    client, csrf = _planner(cb_app, factory)
    url = f"/organisations/{org.id}/contacts/new"
    bad = client.post(url, data={"csrf_token": csrf, "name": "Eva Smit", "email": "eva-at-delta"})
    assert bad.status_code == 422 and "e-mail address" in bad.get_data(as_text=True)
    assert 'value="Eva Smit"' in bad.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            "csrf_token": csrf,
            "name": "Eva Smit",
            "email": "eva@delta.example",
            "phone": "+31 20 123 4567",
            "job_title": "HSE manager",
        },
    )
    assert ok.status_code == 302
    assert "Eva Smit" in client.get(f"/organisations/{org.id}").get_data(as_text=True)

    assert "Delta Installatie" in client.get("/").get_data(as_text=True)
    archived = client.post(
        f"/organisations/{org.id}/archive", data={"csrf_token": csrf, "archived": "1"}
    )
    assert archived.status_code == 302
    client.get(archived.headers["Location"])  # the page that shows the message
    assert "Delta Installatie" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/organisations/{org.id}")
    assert page.status_code == 200 and "archived" in page.get_data(as_text=True)
    client.post(f"/organisations/{org.id}/archive", data={"csrf_token": csrf, "archived": "0"})
    assert "Delta Installatie" in client.get("/").get_data(as_text=True)


def test_editing_a_client_changes_only_what_changed(cb_app, factory, server_session) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation(name="Van Dijk")
    factory.commit()
    client, csrf = _planner(cb_app, factory)
    form = client.get(f"/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'value="Van Dijk B.V."' in form
    saved = client.post(
        f"/organisations/{org.id}/edit",
        data={
            "csrf_token": csrf,
            "name": "Van Dijk",
            "legal_name": "Van Dijk B.V.",
            "city": "Rotterdam",
            "country": "NL",
        },
    )
    assert saved.status_code == 302
    event = server_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.update")
    ).one()
    assert event.detail["fields"] == ["city"]


def test_the_new_site_and_contact_pages_are_for_planners_and_admins_only(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    """The access matrix reaches these endpoints by their edit URL; this covers /new."""
    org = factory.organisation(sites=1)
    people = {role: factory.user(role) for role in Role}
    factory.commit()
    for role, user in people.items():
        client = cb_app.test_client()
        assert sign_in(client, user.username).status_code == 302
        for page in ("sites", "contacts"):
            answer = client.get(f"/organisations/{org.id}/{page}/new")
            allowed = role in (Role.PLANNER, Role.ADMIN)
            assert answer.status_code == (200 if allowed else 403), (role, page)
    anonymous = cb_app.test_client().get(f"/organisations/{org.id}/sites/new")
    assert anonymous.status_code == 302
