"""Issue 11 item 5: admins manage accounts in the UI and with `auditkit users`; the policy."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from auditkit import accounts
from auditkit.cli.users import users
from auditkit.models import AuditEvent, Role, User
from tests.factories import PASSWORD
from tests.helpers import csrf_from, sign_in

GOOD = "lantern orchard pebble violin"


def test_the_password_policy_names_what_is_wrong() -> None:
    assert "at least 12 characters" in accounts.password_problem("short1!")
    assert "most common passwords" in accounts.password_problem("password1234")
    assert "most common passwords" in accounts.password_problem("Qwertyuiop123")
    assert accounts.password_problem("aaaaaaaaaaaaaaaa") is not None  # long but guessable
    assert accounts.password_problem("anna.devries2026", username="anna.devries") is not None
    assert accounts.password_problem(GOOD) is None


def _admin(cb_app, factory):  # type: ignore[no-untyped-def]
    admin = factory.user(Role.ADMIN)
    factory.commit()
    client = cb_app.test_client()
    assert sign_in(client, admin.username).status_code == 302
    return client


def test_an_admin_creates_an_account_and_a_bad_form_keeps_what_was_typed(
    cb_app, factory, server_session
) -> None:  # type: ignore[no-untyped-def]
    client = _admin(cb_app, factory)
    csrf = csrf_from(client.get("/users/new").get_data(as_text=True))
    typed = {
        "csrf_token": csrf,
        "username": "bram.k",
        "full_name": "Bram Kuipers",
        "email": "bram@cb.example",
        "roles": ["auditor", "reviewer"],
        "password": "password1234",
    }
    refused = client.post("/users/new", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="password-error"' in page and "most common passwords" in page
    assert 'value="Bram Kuipers"' in page and 'value="bram@cb.example"' in page
    assert page.count("checked") == 2
    assert server_session.scalars(select(User).where(User.username == "bram.k")).first() is None

    created = client.post("/users/new", data={**typed, "password": GOOD})
    assert created.status_code == 302
    user = server_session.scalars(select(User).where(User.username == "bram.k")).one()
    assert sorted(user.role_names) == ["auditor", "reviewer"]
    events = server_session.scalars(select(AuditEvent.action)).all()
    assert "user.add" in events
    fresh = cb_app.test_client()
    assert sign_in(fresh, "bram.k", GOOD).status_code == 302

    taken = client.post("/users/new", data={**typed, "password": GOOD})
    assert taken.status_code == 422 and "is taken" in taken.get_data(as_text=True)


def test_roles_and_a_password_reset_from_the_account_page(cb_app, factory, server_session) -> None:  # type: ignore[no-untyped-def]
    client = _admin(cb_app, factory)
    planner = factory.planner()
    factory.commit()
    page = client.get(f"/users/{planner.id}").get_data(as_text=True)
    csrf = csrf_from(page)
    none = client.post(f"/users/{planner.id}/roles", data={"csrf_token": csrf})
    assert none.status_code == 422 and "at least one role" in none.get_data(as_text=True)
    saved = client.post(
        f"/users/{planner.id}/roles", data={"csrf_token": csrf, "roles": ["planner", "reviewer"]}
    )
    assert saved.status_code == 302
    server_session.expire_all()
    assert server_session.get(User, planner.id).role_names == ["planner", "reviewer"]

    weak = client.post(f"/users/{planner.id}/password", data={"csrf_token": csrf, "password": "x"})
    assert weak.status_code == 422 and "at least 12" in weak.get_data(as_text=True)
    reset = client.post(
        f"/users/{planner.id}/password", data={"csrf_token": csrf, "password": GOOD}
    )
    assert reset.status_code == 302
    assert sign_in(cb_app.test_client(), planner.username, GOOD).status_code == 302
    assert sign_in(cb_app.test_client(), planner.username, PASSWORD).status_code == 401


def test_the_last_admin_cannot_be_removed_or_disable_themselves(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    client = _admin(cb_app, factory)
    me = factory.session.scalars(select(User).join(User.roles)).first()
    page = client.get("/users").get_data(as_text=True)
    csrf = csrf_from(page)
    own = client.post(f"/users/{me.id}/disable", data={"csrf_token": csrf})
    assert own.status_code == 422 and "your own account" in own.get_data(as_text=True)
    demote = client.post(f"/users/{me.id}/roles", data={"csrf_token": csrf, "roles": ["planner"]})
    assert demote.status_code == 422 and "last active admin" in demote.get_data(as_text=True)


def test_a_user_changes_their_own_password(cb_app, factory) -> None:  # type: ignore[no-untyped-def]
    auditor = factory.auditor()
    factory.commit()
    client = cb_app.test_client()
    sign_in(client, auditor.username)
    csrf = csrf_from(client.get("/account/password").get_data(as_text=True))
    form = {"csrf_token": csrf, "current_password": "wrong", "new_password": GOOD}
    wrong = client.post("/account/password", data={**form, "confirm_password": GOOD})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    differ = client.post("/account/password", data={**form, "confirm_password": GOOD + "x"})
    assert differ.status_code == 422 and "differ" in differ.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={**form, "current_password": PASSWORD, "confirm_password": GOOD},
    )
    assert ok.status_code == 302
    assert sign_in(cb_app.test_client(), auditor.username, GOOD).status_code == 302


def test_users_on_the_command_line(cb_app, server_session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    add = ["add", "dana", "--name", "Dana Decider", "--role", "decision_maker", "--password-stdin"]
    weak = runner.invoke(users, add, input="dana12345678\n")
    assert weak.exit_code == 1 and ("Add another word" in weak.output or "common" in weak.output)
    made = runner.invoke(users, add, input=GOOD + "\n")
    assert made.exit_code == 0, made.output
    listed = runner.invoke(users, ["list"])
    assert (
        "dana" in listed.output and "decision_maker" in listed.output and "active" in listed.output
    )
    new = "marble canyon seventeen kites"
    assert (
        runner.invoke(users, ["passwd", "dana", "--password-stdin"], input=new + "\n").exit_code
        == 0
    )
    assert sign_in(cb_app.test_client(), "dana", new).status_code == 302
    off = runner.invoke(users, ["disable", "dana"])
    assert off.exit_code == 0 and "1 session(s) ended" in off.output
    assert sign_in(cb_app.test_client(), "dana", new).status_code == 401
    assert "disabled" in runner.invoke(users, ["list"]).output
    missing = runner.invoke(users, ["disable", "nobody"])
    assert missing.exit_code == 1 and "There is no account 'nobody'" in missing.output
