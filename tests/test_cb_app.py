from __future__ import annotations

from auditkit.db import make_session_factory
from auditkit.models import Role, User, UserRole
from tests.helpers import csrf_from, sign_in


def test_pages_need_sign_in(cb_client) -> None:  # type: ignore[no-untyped-def]
    page = cb_client.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_wrong_password_keeps_the_username_and_says_why(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(cb_client, "planner", "not-the-password")
    html = page.get_data(as_text=True)
    assert page.status_code == 401
    assert "do not match" in html
    assert 'value="planner"' in html


def test_planner_sees_the_demo_audit_and_client(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    assert sign_in(cb_client, "planner").status_code == 302
    html = cb_client.get("/").get_data(as_text=True)
    assert "Brightwater Components" in html
    assert "Stage 2" in html and "Anna de Vries" in html


def test_audit_page_shows_team_and_pinned_checklist(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(cb_client, "planner")
    html = cb_client.get(f"/audits/{seeded}").get_data(as_text=True)
    assert "Bram Jansen" in html and "iso9001-2015" in html


def test_organisation_page_shows_two_sites_and_contact(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    from auditkit.demo import ORGANISATION_ID

    sign_in(cb_client, "planner")
    html = cb_client.get(f"/organisations/{ORGANISATION_ID}").get_data(as_text=True)
    assert "Eindhoven head office and plant" in html and "Tilburg warehouse" in html
    assert "Eva Bakker" in html


def test_auditee_user_may_not_open_staff_pages(cb_client, seeded, server_engine) -> None:  # type: ignore[no-untyped-def]
    from werkzeug.security import generate_password_hash

    with make_session_factory(server_engine).begin() as session:
        session.add(
            User(
                username="eva",
                full_name="Eva Bakker",
                password_hash=generate_password_hash("pw-eva"),
                roles=[UserRole(role=Role.AUDITEE)],
            )
        )
    sign_in(cb_client, "eva", "pw-eva")
    page = cb_client.get("/")
    assert page.status_code == 403
    assert "Your role does not give access" in page.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    page = cb_client.post("/login", data={"username": "planner", "password": "auditkit-demo"})
    assert page.status_code == 400


def test_sign_out_ends_the_session(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(cb_client, "planner")
    token = csrf_from(cb_client.get("/").get_data(as_text=True))
    cb_client.post("/logout", data={"csrf_token": token})
    assert cb_client.get("/").status_code == 302


def test_next_parameter_cannot_send_users_elsewhere(cb_client, seeded) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(cb_client.get("/login").get_data(as_text=True))
    page = cb_client.post(
        "/login?next=//evil.example/",
        data={"username": "planner", "password": "auditkit-demo", "csrf_token": token},
    )
    assert page.headers["Location"] == "/"


def test_api_errors_are_json_with_a_stable_code(cb_client) -> None:  # type: ignore[no-untyped-def]
    page = cb_client.get("/api/sync/v1/nothing")
    assert page.status_code == 404
    body = page.get_json()
    assert body["error"]["code"] == "not_found" and body["error"]["message"]
