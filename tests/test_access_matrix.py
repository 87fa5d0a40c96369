"""Every route of the CB app's URL map, as every role, on the audit's team and off it.

The expected answers are written out by hand below (never derived from auditkit.access), and
every rule of the URL map must have a row: a new route without one fails this test.

Each person has a signed-in session and, where they may link a laptop (auditors), a device
token that the sync API requests carry. The audit is in progress, so the review moves are
allowed by the policy but refused by the workflow (409): nothing changes between requests.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path

import pytest

from auditkit.models import AuditStatus, ReportRelease, Role, TeamObjection, TeamRole
from auditkit.photostore import PhotoStore
from tests.factories import api_headers
from tests.helpers import csrf_from, sign_in

PEOPLE = ("anonymous", "admin", "planner", "reviewer", "decider", "lead", "teammate", "outsider")
# (endpoint, method) -> expected status per person, in PEOPLE order.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # staff UI
    ("planning.dashboard", "GET"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("planning.audit", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("planning.organisation", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("reports.pdf", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("releases.download", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    # Release: reviewers (and admins) off the team; this audit is not accepted yet (409).
    ("releases.release", "POST"): (302, 409, 403, 409, 403, 403, 403, 404),
    # the reviewer's view: reviewers and admins on no team of the audit; its photos: whoever
    # may see the audit
    ("evidence.review_view", "GET"): (302, 200, 403, 200, 403, 403, 403, 404),
    ("evidence.photo", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("evidence.thumbnail", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("review.accept", "POST"): (302, 409, 403, 409, 403, 403, 403, 404),
    # Queries: reviewers (and admins) off the team; the audit here is not under review (422).
    ("queries.raise_query", "POST"): (302, 422, 403, 422, 403, 403, 403, 404),
    ("queries.reply", "POST"): (302, 422, 403, 422, 403, 403, 403, 404),
    ("queries.close", "POST"): (302, 422, 403, 422, 403, 403, 403, 404),
    ("queries.reopen", "POST"): (302, 422, 403, 422, 403, 403, 403, 404),
    ("review.return_to_team", "POST"): (302, 422, 403, 422, 403, 403, 403, 404),
    ("imports.form", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("imports.upload", "POST"): (302, 400, 400, 403, 403, 403, 403, 403),
    ("auth.login", "GET"): (200,) * 8,
    ("auth.login", "POST"): (401,) * 8,  # a wrong password, whoever asks
    # accounts: admins only (an empty form is refused with what to fix: 422)
    ("accounts.users", "GET"): (302, 200, 403, 403, 403, 403, 403, 403),
    ("accounts.new_user", "GET"): (302, 200, 403, 403, 403, 403, 403, 403),
    ("accounts.new_user", "POST"): (302, 422, 403, 403, 403, 403, 403, 403),
    ("accounts.user", "GET"): (302, 200, 403, 403, 403, 403, 403, 403),
    ("accounts.set_roles", "POST"): (302, 422, 403, 403, 403, 403, 403, 403),
    ("accounts.reset_password", "POST"): (302, 422, 403, 403, 403, 403, 403, 403),
    ("accounts.disable", "POST"): (302, 302, 403, 403, 403, 403, 403, 403),
    ("accounts.enable", "POST"): (302, 302, 403, 403, 403, 403, 403, 403),
    # clients: admins and planners edit (an empty form: 422); others may only look
    ("clients.new_client", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("clients.new_client", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("clients.edit_client", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("clients.edit_client", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("clients.archive_client", "POST"): (302, 302, 302, 403, 403, 403, 403, 403),
    ("clients.site", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("clients.site", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("clients.contact", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("clients.contact", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # certifications: admins and planners keep them (an empty form: 422); staff and the
    # client's auditors read them
    ("certifications.new", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("certifications.new", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("certifications.edit", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("certifications.edit", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("certifications.show", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    ("certifications.review", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("certifications.withdraw", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("certifications.transfer", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # planning an audit: admins and planners (an empty plan: 422)
    ("audit_planning.new", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("audit_planning.new", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # the schedule of a planned audit (this one is under way: refused with a reason, 422)
    ("audit_planning.add_schedule_item", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("audit_planning.remove_schedule_item", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # changing a plan: planners, before the audit starts (this one is under way: 422)
    ("audit_planning.replan", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("audit_planning.replan", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # the plan for the client: whoever may see the audit
    # mailing the plan and team to the client: planners (the contact has an address: sent, 302)
    ("audit_planning.send_plan", "POST"): (302, 302, 302, 403, 403, 403, 403, 403),
    ("audit_planning.printable_plan", "GET"): (302, 200, 200, 200, 200, 200, 200, 404),
    # the CB-wide programme: staff
    ("programme.index", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    # auditor records: admins and planners (an empty form: 422)
    ("auditors.index", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("auditors.show", "GET"): (302, 200, 200, 403, 403, 403, 403, 403),
    ("auditors.qualify", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("auditors.declare", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # objections to a planned team: planners record and answer them (the audit is under way
    # here, so recording is refused with a reason: 422)
    ("auditors.object_to_member", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    ("auditors.answer_objection", "POST"): (302, 422, 422, 403, 403, 403, 403, 403),
    # everyone signed in changes their own password (an empty form: 422)
    ("accounts.own_password", "GET"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("accounts.own_password", "POST"): (302, 422, 422, 422, 422, 422, 422, 422),
    ("auth.logout", "POST"): (302,) * 8,
    # client portal access, given by admins, planners and reviewers (this contact has no
    # account to disable: 404; an invitation is sent, or refused with a reason: back, 302)
    ("portal_contacts.disable", "POST"): (302, 404, 404, 404, 403, 403, 403, 403),
    ("portal_contacts.invite", "POST"): (302, 302, 302, 302, 403, 403, 403, 403),
    # the client portal: a staff session is no portal session, so every page sends staff to
    # the portal's own sign-in (contacts' access: tests/test_portal.py)
    ("portal.login", "GET"): (200,) * 8,
    ("portal.login", "POST"): (401,) * 8,
    ("portal.logout", "POST"): (302,) * 8,
    ("portal.welcome", "GET"): (410,) * 8,  # no such invitation
    ("portal.welcome", "POST"): (410,) * 8,
    ("portal.home", "GET"): (302,) * 8,
    ("portal.audit", "GET"): (302,) * 8,
    ("portal.plan", "GET"): (302,) * 8,
    ("portal.nonconformities", "GET"): (302,) * 8,
    ("portal.release", "GET"): (302,) * 8,
    ("portal.release_pdf", "GET"): (302,) * 8,
    ("portal.release_photo", "GET"): (302,) * 8,
    ("portal.answer", "GET"): (302,) * 8,
    ("portal.save_answer", "POST"): (302,) * 8,
    ("portal.add_file", "POST"): (302,) * 8,
    ("portal.remove_file", "POST"): (302,) * 8,
    ("portal.evidence_file", "GET"): (302,) * 8,
    ("portal.ask_for_time", "POST"): (302,) * 8,
    ("portal.certificates", "GET"): (302,) * 8,
    ("portal.certificate_download", "GET"): (302,) * 8,
    # corrective actions: the audit's lead auditor and reviewers (and admins) judge; this
    # audit has no such corrective action (404); its evidence: whoever may see the audit
    ("capa.judge", "POST"): (302, 404, 403, 404, 403, 404, 403, 404),
    ("capa.verify", "POST"): (302, 404, 403, 404, 403, 404, 403, 404),
    ("capa.refuse_evidence", "POST"): (302, 404, 403, 404, 403, 404, 403, 404),
    ("capa.reopen", "POST"): (302, 404, 403, 404, 403, 404, 403, 404),
    ("capa.decide_extension", "POST"): (302, 404, 403, 404, 403, 404, 403, 404),
    ("capa.evidence_file", "GET"): (302, 404, 404, 404, 404, 404, 404, 404),
    ("favicon", "GET"): (200,) * 8,
    ("static", "GET"): (200,) * 8,
    # sync API (staff hold no device token)
    ("sync_api.openapi", "GET"): (200,) * 8,
    ("sync_api.token", "POST"): (400,) * 8,  # no grant named
    ("sync_api.revoke", "POST"): (200,) * 8,  # logout: names no live token, revokes nothing
    ("sync_api.pull", "POST"): (401, 401, 401, 401, 401, 200, 200, 200),
    ("sync_api.push", "POST"): (401, 401, 401, 401, 401, 200, 200, 200),
    ("sync_api.blobs_check", "POST"): (401, 401, 401, 401, 401, 200, 200, 200),
    ("sync_api.blob_get", "GET"): (401, 401, 401, 401, 401, 200, 200, 404),
    # An outsider is told nothing of another team's photo: 404, as for none at all.
    ("sync_api.blob_head", "HEAD"): (401, 401, 401, 401, 401, 200, 200, 404),
    # Evidence of corrective actions: none here (the sha256 is a photo's), so 404 for all.
    ("sync_api.evidence_get", "GET"): (401, 401, 401, 401, 401, 404, 404, 404),
    ("sync_api.blob_patch", "PATCH"): (401, 401, 401, 401, 401, 400, 400, 400),
    # -- the public check (/verify, /api/public/v1): anyone --
    # (no certificate has the number asked here: the same 404 for everyone, signed in or not)
    ("public.verify", "GET"): (200,) * 8,
    ("public.certificate", "GET"): (404,) * 8,
    ("public.api_certificate", "GET"): (404,) * 8,
    # -- the CB dashboard's plots --
    ("dashboard.index", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    ("dashboard.plot", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    # -- decisions, appeals and certificates (staff) --
    # Staff read them; decision makers (and admins) decide: an empty form is 422. The
    # decision and appeal here do not exist (404 to those who may act on one).
    ("decisions.index", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    ("decisions.file_page", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    ("decisions.take", "POST"): (302, 422, 403, 403, 422, 403, 403, 403),
    ("decisions.show", "GET"): (302, 404, 404, 404, 404, 403, 403, 403),
    ("decisions.lodge_appeal", "POST"): (302, 404, 404, 404, 404, 403, 403, 403),
    ("decisions.decide_appeal", "POST"): (302, 404, 403, 403, 404, 403, 403, 403),
    ("certificates.index", "GET"): (302, 200, 200, 200, 200, 403, 403, 403),
    ("certificates.show", "GET"): (302, 404, 404, 404, 404, 403, 403, 403),
    ("certificates.pdf", "GET"): (302, 404, 404, 404, 404, 403, 403, 403),
    ("certificates.amend", "POST"): (302, 404, 403, 403, 404, 403, 403, 403),
}


@pytest.fixture
def world(factory, cb_app, tmp_path: Path):  # type: ignore[no-untyped-def]
    """One in-progress audit with a stored photo; a person of each kind with a client."""
    users = {
        "admin": factory.user(Role.ADMIN),
        "planner": factory.user(Role.PLANNER),
        "reviewer": factory.user(Role.REVIEWER),
        "decider": factory.user(Role.DECISION_MAKER),
        "lead": factory.auditor(),
        "account": factory.user(Role.PLANNER),  # the account the Accounts pages act on
        "teammate": factory.auditor(),
        "outsider": factory.auditor(),
    }
    audit = factory.audit(
        lead=users["lead"],
        members=[(users["teammate"], TeamRole.AUDITOR)],
        status=AuditStatus.IN_PROGRESS,
    )
    certification = factory.certification(organisation=audit.organisation)
    objection = TeamObjection(
        audit_id=audit.id,
        user_id=users["teammate"].id,
        raised_by="The client",
        reason="A former colleague",
        received_on=date(2026, 11, 30),
    )
    factory.session.add(objection)
    pdf = b"%PDF-1.7 a released revision"
    release = ReportRelease(
        audit_id=audit.id,
        revision=1,
        review_round=1,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        pdf=pdf,
    )
    factory.session.add(release)
    store = PhotoStore(Path(cb_app.config["DATA_DIR"]) / "blobs")
    photo = factory.photo(audit, store=store, by=users["lead"])
    devices = {
        name: factory.device_and_token(users[name]) for name in ("lead", "teammate", "outsider")
    }
    factory.commit()
    people = {}
    for name in PEOPLE:
        client = cb_app.test_client()
        if name != "anonymous":
            assert sign_in(client, users[name].username).status_code == 302
        device, token = devices.get(name, (None, None))
        people[name] = (
            client,
            csrf_from(client.get("/login").get_data(as_text=True)),
            device,
            token,
        )
    values = {
        "audit_id": audit.id,
        "organisation_id": audit.organisation_id,
        "sha256": photo.sha256,
        "user_id": users["account"].id,
        "site_id": audit.organisation.sites[0].id,
        "contact_id": audit.organisation.contacts[0].id,
        "certification_id": certification.id,
        "objection_id": objection.id,
        "item_id": "no-such-item",
        "query_id": uuid.uuid4(),
        "revision": 1,
        "release_id": release.id,
        "token": "no-such-invitation",
        "ca_id": uuid.uuid4(),
        "extension_id": uuid.uuid4(),
        "file_id": uuid.uuid4(),
        "finding_id": uuid.uuid4(),
        "filename": "css/auditkit.css",
        "number": "AK-NO-SUCH-00000",
        "plot_name": "nonconformities",
        "decision_id": uuid.uuid4(),
        "appeal_id": uuid.uuid4(),
    }
    return people, values


def _rules(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        methods = set(rule.methods or ()) - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")
        for method in sorted(methods):
            yield rule, method


def test_every_route_has_a_row(cb_app) -> None:  # type: ignore[no-untyped-def]
    routes = {(rule.endpoint, method) for rule, method in _rules(cb_app)}
    assert routes - set(EXPECTED) == set(), "routes without an expected row"
    assert set(EXPECTED) - routes == set(), "rows for routes that no longer exist"


def _call(cb_app, person, rule, method: str, values, name: str = "") -> int:  # type: ignore[no-untyped-def]
    client, csrf, device, token = person
    from flask import url_for

    with cb_app.test_request_context():
        url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
    headers = api_headers(token) if token else api_headers("no-token")
    if not token:
        headers.pop("Authorization")
    if rule.endpoint.startswith("sync_api."):
        body = {}
        if rule.endpoint == "sync_api.push":
            body = {"device_id": str(device.id) if device else "", "mutations": []}
        if rule.endpoint == "sync_api.blobs_check":
            body = {"blobs": []}
        if rule.endpoint == "sync_api.pull":
            body = {"cursor": 0}
        if method in ("GET", "HEAD", "PATCH"):
            return client.open(url, method=method, headers=headers).status_code
        return client.open(url, method=method, json=body, headers=headers).status_code
    if method == "POST":
        data = {"csrf_token": csrf}
        if rule.endpoint == "auth.login":
            # A name of its own per person: sign-in throttling counts per account and address.
            data.update(username=f"nobody-{name}", password="wrong")
        if rule.endpoint == "portal.login":
            data.update(email=f"nobody-{name}@client.example", password="wrong")
        return client.post(url, data=data).status_code
    return client.open(url, method=method).status_code


def test_each_person_gets_what_the_table_says(cb_app, world) -> None:  # type: ignore[no-untyped-def]
    people, values = world
    wrong = []
    rules = sorted(_rules(cb_app), key=lambda r: (r[0].endpoint, r[1]))
    # Sign-out last: it ends the sessions the other rows need.
    rules.sort(key=lambda r: r[0].endpoint == "auth.logout")
    for rule, method in rules:
        expected = EXPECTED[(rule.endpoint, method)]
        for name, want in zip(PEOPLE, expected, strict=True):
            got = _call(cb_app, people[name], rule, method, values, name)
            if got != want:
                wrong.append(f"{method} {rule.endpoint} as {name}: {got}, expected {want}")
    assert wrong == []
