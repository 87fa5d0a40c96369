"""Issue 11 items 3 and 4: sign-out ends the session; failed sign-ins are slowed down.

Each test fails on the code before: a replayed cookie signed in again, and 60 wrong
passwords in a row were followed by a successful sign-in.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from auditkit.models import DeviceToken, SignInThrottle, StaffSession, User, utcnow
from tests.factories import PASSWORD, api_headers
from tests.helpers import csrf_from


def _client(cb_app, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    client = cb_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def _cookie(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("session").value


def test_a_cookie_replayed_after_sign_out_signs_nobody_in(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    factory.commit()
    browser = _client(cb_app)
    assert _sign_in(browser, planner.username).status_code == 302
    stolen = _cookie(browser)
    assert browser.get("/").status_code == 200
    csrf = csrf_from(browser.get("/").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 302

    replay = _client(cb_app)
    replay.set_cookie("session", stolen)
    answer = replay.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_disabling_an_account_ends_its_sessions_and_laptop_tokens(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    admin, auditor = factory.user(factory_role("admin")), factory.auditor()
    _device, token = factory.device_and_token(auditor)
    factory.commit()
    theirs = _client(cb_app, "10.0.0.2")
    assert _sign_in(theirs, auditor.username).status_code == 302
    api = cb_app.test_client()
    assert (
        api.post("/api/sync/v1/pull", json={"cursor": 0}, headers=api_headers(token)).status_code
        == 200
    )

    mine = _client(cb_app)
    assert _sign_in(mine, admin.username).status_code == 302
    csrf = csrf_from(mine.get(f"/users/{auditor.id}").get_data(as_text=True))
    done = mine.post(f"/users/{auditor.id}/disable", data={"csrf_token": csrf})
    assert done.status_code == 302
    assert "1 session(s) ended and 2 laptop token(s) revoked" in mine.get(
        done.headers["Location"]
    ).get_data(as_text=True)

    assert theirs.get("/").status_code == 302  # back to the sign-in page
    refused = api.post("/api/sync/v1/pull", json={"cursor": 0}, headers=api_headers(token))
    assert refused.status_code in (401, 403)
    assert _sign_in(_client(cb_app, "10.0.0.3"), auditor.username).status_code == 401


def test_changing_ones_password_ends_the_other_sessions(cb_app, factory, server_session) -> None:  # type: ignore[no-untyped-def]
    reviewer = factory.reviewer()
    factory.commit()
    laptop_browser, office_browser = _client(cb_app), _client(cb_app, "10.0.0.9")
    for browser in (laptop_browser, office_browser):
        assert _sign_in(browser, reviewer.username).status_code == 302
    csrf = csrf_from(office_browser.get("/account/password").get_data(as_text=True))
    new = "copper kettle winter harbour"
    changed = office_browser.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert changed.status_code == 302
    assert office_browser.get("/").status_code == 200
    assert laptop_browser.get("/").status_code == 302
    assert _sign_in(_client(cb_app, "10.0.0.10"), reviewer.username, new).status_code == 302


def test_an_idle_session_runs_out(cb_app, factory, server_engine) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    factory.commit()
    browser = _client(cb_app)
    assert _sign_in(browser, planner.username).status_code == 302
    with server_engine.begin() as conn:
        conn.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=9)))
    assert browser.get("/").status_code == 302


# ---- throttling ----


def test_sixty_wrong_passwords_then_the_right_one_is_slowed_down(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    factory.commit()
    attacker = _client(cb_app, "10.6.6.6")
    statuses = [_sign_in(attacker, planner.username, f"guess-{i}").status_code for i in range(60)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    right = _sign_in(attacker, planner.username)
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in right.get_data(as_text=True)
    # Another worker (another app on the same database) sees the same count.
    from auditkit.cb import create_app

    second = create_app({**cb_app.config})
    assert _sign_in(_client(second, "10.6.6.6"), planner.username).status_code == 429


def test_the_token_grant_is_throttled_with_retry_after(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    auditor = factory.auditor()
    factory.commit()
    api = _client(cb_app, "10.7.7.7")
    headers = {k: v for k, v in api_headers("x").items() if k != "Authorization"}

    def grant(password: str):  # type: ignore[no-untyped-def]
        body = {
            "grant_type": "password",
            "username": auditor.username,
            "password": password,
            "device_id": "6f1f9d8e-3a53-4c1e-9d55-000000000001",
        }
        return api.post("/api/sync/v1/auth/token", json=body, headers=headers)

    statuses = [grant(f"guess-{i}").status_code for i in range(60)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    answer = grant(PASSWORD)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    assert answer.get_json()["error"]["code"] == "too_many_attempts"


def test_a_stranger_cannot_lock_an_auditor_out_for_good(cb_app, factory, server_engine) -> None:  # type: ignore[no-untyped-def]
    """Failures from many addresses slow the account by at most a minute; from the auditor's
    own address the sign-in works once that minute passes, and never waits longer."""
    auditor = factory.auditor()
    factory.commit()
    for n in range(80):  # a botnet: 80 addresses, one guess each
        _sign_in(_client(cb_app, f"10.9.{n // 250}.{n % 250}"), auditor.username, "nope-nope")
    with server_engine.connect() as conn:
        row = conn.execute(
            select(SignInThrottle).where(SignInThrottle.key == f"account:{auditor.username}")
        ).one()
    assert row.blocked_until - row.first_failure_at <= timedelta(minutes=2)
    own = _client(cb_app, "192.168.1.20")
    waiting = _sign_in(own, auditor.username)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) <= 60
    with server_engine.begin() as conn:  # the minute passes
        conn.execute(update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    assert _sign_in(own, auditor.username).status_code == 302


def test_a_wait_is_counted_per_address_and_ends(cb_app, factory, server_engine) -> None:  # type: ignore[no-untyped-def]
    planner = factory.planner()
    factory.commit()
    attacker = _client(cb_app, "10.6.6.7")
    for i in range(6):
        _sign_in(attacker, planner.username, f"guess-{i}")
    # The planner at their own desk is not held up by the attacker's address.
    assert _sign_in(_client(cb_app, "10.1.1.1"), planner.username).status_code == 302
    with server_engine.begin() as conn:
        conn.execute(update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    assert _sign_in(attacker, planner.username).status_code == 302


def test_device_tokens_of_a_disabled_user_stay_revoked_after_enabling(
    cb_app, factory, server_session
) -> None:  # type: ignore[no-untyped-def]
    admin, auditor = factory.user(factory_role("admin")), factory.auditor()
    factory.device_and_token(auditor)
    factory.commit()
    mine = _client(cb_app)
    _sign_in(mine, admin.username)
    for action in ("disable", "enable"):
        csrf = csrf_from(mine.get(f"/users/{auditor.id}").get_data(as_text=True))
        assert (
            mine.post(f"/users/{auditor.id}/{action}", data={"csrf_token": csrf}).status_code == 302
        )
    tokens = server_session.scalars(select(DeviceToken)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)
    assert server_session.get(User, auditor.id).is_active


def factory_role(name: str):  # type: ignore[no-untyped-def]
    from auditkit.models import Role

    return Role(name)
