from __future__ import annotations

import pytest

from tests.helpers import csrf_from


def test_my_audits_lists_the_demo_audit(field_client, seeded) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Anna de Vries" in html
    assert "Brightwater Components" in html
    assert "ISO 9001:2015" in html


def test_audit_page_shows_plan_and_team(field_client, seeded) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get(f"/audits/{seeded}").get_data(as_text=True)
    assert "Stage 2" in html
    assert "Bram Jansen" in html and "Lead auditor" in html
    assert "Tilburg warehouse" in html


def test_laptop_without_identity_explains_what_to_do(field_client) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get("/").get_data(as_text=True)
    assert "not linked to an auditor" in html


def test_unknown_audit_is_a_404_page_in_field_style(field_client) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get("/audits/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404
    assert "Back to my audits" in page.get_data(as_text=True)


def test_malformed_audit_id_is_a_404(field_client) -> None:  # type: ignore[no-untyped-def]
    assert field_client.get("/audits/not-a-uuid").status_code == 404


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "192.168.1.20:5000"])
def test_requests_for_other_host_names_are_refused(field_client, host: str) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get("/", headers={"Host": host})
    assert page.status_code == 400
    assert "only answers on this computer" in page.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "LOCALHOST"])
def test_loopback_host_names_are_served(field_client, host: str) -> None:  # type: ignore[no-untyped-def]
    assert field_client.get("/", headers={"Host": host}).status_code == 200


@pytest.fixture
def app_with_post_route(field_app):  # type: ignore[no-untyped-def]
    """A state-changing route, to exercise the CSRF check the app applies to every one."""
    field_app.add_url_rule("/_probe", "probe", lambda: "changed", methods=["POST"])
    return field_app


def test_post_without_csrf_token_is_refused(app_with_post_route) -> None:  # type: ignore[no-untyped-def]
    client = app_with_post_route.test_client()
    page = client.post("/_probe", data={"x": "1"})
    assert page.status_code == 400
    assert "expired or was sent from another site" in page.get_data(as_text=True)


def test_post_with_wrong_csrf_token_is_refused(app_with_post_route) -> None:  # type: ignore[no-untyped-def]
    client = app_with_post_route.test_client()
    client.get("/")
    page = client.post("/_probe", headers={"X-CSRF-Token": "forged"})
    assert page.status_code == 400


def test_htmx_request_sends_token_in_header(app_with_post_route) -> None:  # type: ignore[no-untyped-def]
    client = app_with_post_route.test_client()
    token = csrf_from(client.get("/").get_data(as_text=True))
    page = client.post("/_probe", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert page.status_code == 200 and page.get_data(as_text=True) == "changed"


def test_form_field_token_is_accepted(app_with_post_route) -> None:  # type: ignore[no-untyped-def]
    client = app_with_post_route.test_client()
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/_probe", data={"csrf_token": token}).status_code == 200


def test_pages_load_htmx_and_css_from_the_app_only(field_client) -> None:  # type: ignore[no-untyped-def]
    html = field_client.get("/").get_data(as_text=True)
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert "http://" not in html and "https://" not in html
    htmx = field_client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and b"htmx" in htmx.data
    assert field_client.get("/").headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_api_errors_are_json(field_client) -> None:  # type: ignore[no-untyped-def]
    page = field_client.get("/api/nothing-here")
    assert page.status_code == 404
    assert page.get_json()["error"]["code"] == "not_found"
