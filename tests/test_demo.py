from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import func, select, text

from auditkit.certifications.overview import programme_rows
from auditkit.cli import main
from auditkit.db import make_engine, make_session_factory
from auditkit.demo import (
    AUDIT_ID,
    BRIGHTWATER_STAGE1_ID,
    COATINGS_ID,
    DELTA_ID,
    DELTA_SAMPLE_SEED,
    DELTA_SURVEILLANCE2_ID,
    DEMO_USERS,
    INTEGRATED_AUDIT_ID,
    LUMEN_STAGE1_ID,
    NEW_AUDIT_IDS,
    VCA_AUDIT_ID,
    VCA_PHASE1_ID,
    certification_id,
    seed_server,
)
from auditkit.demo.ids import demo_id, user_id
from auditkit.models import (
    Audit,
    AuditorQualification,
    AuditStatus,
    AuditTeamMember,
    AuditType,
    Base,
    Certification,
    CertificationCycle,
    Organisation,
    Site,
    SyncState,
    TeamRole,
    User,
)
from auditkit.planning.audit_sites import choose_sites
from auditkit.planning.team import check_team
from tests.helpers import sign_in

MODELS = (
    User,
    Organisation,
    Site,
    Audit,
    AuditTeamMember,
    Certification,
    CertificationCycle,
    AuditorQualification,
)
FIRST_AUDITS = {
    AUDIT_ID: ("stage2", ["iso9001-2015"]),
    INTEGRATED_AUDIT_ID: ("surveillance", ["iso9001-2015", "iso14001-2015", "iso45001-2018"]),
    VCA_AUDIT_ID: ("stage2", ["vca-2017"]),
}
ALL_AUDITS = {
    **FIRST_AUDITS,
    BRIGHTWATER_STAGE1_ID: ("stage1", ["iso9001-2015"]),
    VCA_PHASE1_ID: ("stage1", ["vca-2017"]),
    DELTA_SURVEILLANCE2_ID: (
        "surveillance",
        ["iso9001-2015", "iso14001-2015", "iso45001-2018"],
    ),
    LUMEN_STAGE1_ID: ("stage1", ["iso27001-2022"]),
    demo_id("audit:noordzee:stage1"): ("stage1", ["iso9001-2015"]),
    demo_id("audit:noordzee:stage2"): ("stage2", ["iso9001-2015"]),
}


def _counts(engine, models=MODELS) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in models}


def _every_table(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def _seed(engine) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(engine).begin() as session:
        seed_server(session)


def _audit_kinds(engine) -> dict:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as s:
        return {
            a.id: (a.audit_type.value, [c.checklist_id for c in a.checklists])
            for a in s.scalars(select(Audit))
        }


def test_seeding_twice_changes_nothing(server_engine) -> None:  # type: ignore[no-untyped-def]
    _seed(server_engine)
    once = _every_table(server_engine)
    _seed(server_engine)
    assert _every_table(server_engine) == once  # no row, event or sync change added
    assert _counts(server_engine) == {
        "User": 6,
        "Organisation": 7,
        "Site": 20,
        "Audit": 9,
        "AuditTeamMember": 13,
        "Certification": 10,
        "CertificationCycle": 5,
        "AuditorQualification": 8,
    }
    assert _audit_kinds(server_engine) == ALL_AUDITS


def test_integrated_client_has_twelve_sites_and_a_repeatable_sample(server_engine) -> None:  # type: ignore[no-untyped-def]
    _seed(server_engine)
    with make_session_factory(server_engine)() as s:
        delta = [
            s.get(Certification, certification_id("delta", scheme))
            for scheme in ("iso9001-2015", "iso14001-2015", "iso45001-2018")
        ]
        for cert in delta:
            assert len(cert.sites) == 12 and [x.is_headquarters for x in cert.sites].count(True)
            assert cert.cycles and cert.reviewed_at is not None
            assert cert.effective_personnel == 85  # 64 + 10 x 24 h + 6 x 16 h + 5 + 7
        assert len(s.get(Organisation, DELTA_ID).sites) == 12
        first = s.get(Audit, INTEGRATED_AUDIT_ID)
        assert {c.scheme for c in first.certifications} == {c.scheme for c in delta}
        audit = s.get(Audit, DELTA_SURVEILLANCE2_ID)
        assert audit.number and audit.status == AuditStatus.PLANNED
        assert {c.id for c in audit.certifications} == {c.id for c in delta}
        sample = audit.plan_working["sample"]
        assert sample["sampled"] and sample["seed"] == DELTA_SAMPLE_SEED
        assert len(sample["chosen"]) == 1 and len(sample["random"]) == 1
        assert any("0.6 × √11" in step for step in sample["working"])
        assert len(audit.sites) == 3 and any(x.is_headquarters for x in audit.sites)
        assert audit.plan_working["audit_time"] and audit.plan_working["team_override"] is None
        # The same seed and choice draw the same depots again.
        again, _ = choose_sites(delta, AuditType.SURVEILLANCE, sample["chosen"], DELTA_SAMPLE_SEED)
        assert {x.id for x in again} == {x.id for x in audit.sites}


def test_programmes_are_in_different_states(server_engine) -> None:  # type: ignore[no-untyped-def]
    _seed(server_engine)
    today = date.today()

    def flags(client: str, scheme: str) -> dict[str, str]:
        cert = s.get(Certification, certification_id(client, scheme))
        return {row.key: row.flag for row in programme_rows(cert, today)[0]}

    with make_session_factory(server_engine)() as s:
        assert flags("brightwater-coatings", "iso9001-2015")["surveillance1"] == "overdue"
        coatings = s.get(Certification, certification_id("brightwater-coatings", "iso9001-2015"))
        assert coatings.organisation_id == COATINGS_ID and coatings.next_audit == "surveillance1"
        assert coatings.next_due_by is not None and coatings.next_due_by < today
        assert flags("brightwater", "iso9001-2015") == {"stage1": "held", "stage2": "on_plan"}
        assert flags("vandijk", "vca-2017") == {"stage1": "held", "stage2": "on_plan"}
        delta = flags("delta", "iso14001-2015")
        assert delta["surveillance1"] == delta["surveillance2"] == "on_plan"
        assert flags("lumen", "iso27001-2022") == {"stage1": "on_plan", "stage2": "to_plan"}
        applied = s.get(Certification, certification_id("vandijk", "iso45001-2018"))
        assert applied.reviewed_at is None and not applied.cycles and not applied.audits
        brightwater = s.get(Certification, certification_id("brightwater", "iso9001-2015"))
        assert [x.name for x in brightwater.sites] == ["Eindhoven head office and plant"]
        assert [a.id for a in brightwater.audits] == [BRIGHTWATER_STAGE1_ID, AUDIT_ID]
        vca = s.get(Certification, certification_id("vandijk", "vca-2017"))
        assert vca.vca_level == "star2" and VCA_AUDIT_ID in {a.id for a in vca.audits}
        lumen = s.get(Certification, certification_id("lumen", "iso27001-2022"))
        assert lumen.soa_version and set(lumen.isms_factors) >= {"business", "outsourcing"}


def test_the_planned_teams_pass_the_team_checks(server_engine) -> None:  # type: ignore[no-untyped-def]
    _seed(server_engine)
    with make_session_factory(server_engine)() as s:
        anna = s.scalars(select(User).where(User.username == "auditor1")).one()
        quals = s.scalars(select(AuditorQualification)).all()
        assert {q.scheme for q in quals if q.user_id == anna.id and q.may_lead} == {
            "iso9001-2015",
            "iso14001-2015",
            "iso45001-2018",
            "iso27001-2022",
            "vca-2017",
        }
        assert not any(q.may_lead for q in quals if q.user_id != anna.id)
        for audit in s.scalars(select(Audit)):
            team = [(m.user, m.role) for m in audit.team]
            assert audit.lead is not None and audit.lead.user_id == anna.id
            assert audit.certifications, audit.id
            problems = check_team(s, team, audit.certifications, audit.start_date)
            assert [p.message for p in problems] == [], audit.id
        lumen = s.get(Audit, LUMEN_STAGE1_ID)
        assert {m.role for m in lumen.team} == {TeamRole.LEAD, TeamRole.OBSERVER}


def test_planner_pages_show_the_demo(cb_client, server_engine) -> None:  # type: ignore[no-untyped-def]
    _seed(server_engine)
    assert sign_in(cb_client, "planner").status_code == 302
    with make_session_factory(server_engine)() as s:
        certs = list(s.scalars(select(Certification.id)))
        audits = list(s.scalars(select(Audit.id)))
    for cert in certs:
        assert cb_client.get(f"/certifications/{cert}").status_code == 200
    for audit in audits:
        assert cb_client.get(f"/audits/{audit}").status_code == 200
    anna = user_id("auditor1")
    for path in ("/auditors", f"/auditors/{anna}", "/programme?show=all"):
        assert cb_client.get(path).status_code == 200, path
    page = cb_client.get(f"/audits/{DELTA_SURVEILLANCE2_ID}").get_data(as_text=True)
    assert f"drawn at random with seed {DELTA_SAMPLE_SEED}" in page
    overdue = cb_client.get("/programme?show=overdue").get_data(as_text=True)
    assert "Brightwater Coatings" in overdue and "Delta" not in overdue


def test_test_copy_of_the_audit_has_no_passwords(seeded, laptop_engine) -> None:  # type: ignore[no-untyped-def]
    with laptop_engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
        pinned = conn.execute(text("SELECT checklist_id FROM audit_checklists")).scalars().all()
    assert hashes and all(h == "" for h in hashes)
    assert pinned == ["iso9001-2015"]
    assert _counts(laptop_engine, (Audit,)) == {"Audit": 1}


def test_demo_seed_only_honours_data_folder_variables(isolated_env, server_db_url) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["demo", "--seed-only"])
        assert result.exit_code == 0, result.output
    laptop = make_engine(f"sqlite:///{isolated_env / 'laptop' / 'field.sqlite3'}")
    server = make_engine(server_db_url)
    try:
        assert _counts(laptop, (Audit,)) == {"Audit": 9}
        assert _counts(server)["User"] == 6
        with make_session_factory(laptop)() as s:
            vca = s.get(Audit, VCA_AUDIT_ID)
            assert vca is not None and vca.vca_level == "star2"
            assert s.get(Audit, BRIGHTWATER_STAGE1_ID).status == AuditStatus.ACCEPTED
            state = s.get(SyncState, 1)
            # Seeding pulled through a temporary server: no sync with the demo server happened.
            assert state is not None and state.last_sync_at is None
        # Every audit Anna is on reached her laptop, the planned ones included.
        assert _audit_kinds(laptop) == ALL_AUDITS
        # The demo laptop was enrolled and pulled its audit, as every laptop does.
        from sync.client.credentials import Credentials

        credentials = Credentials.load(isolated_env / "laptop")
        assert credentials is not None and credentials.username == "auditor1"
        assert credentials.server_url == "http://127.0.0.1:5001"
        assert "linked to http://127.0.0.1:5001" in result.output
        # The demo CB's signing key is made with the demo, in the server's data folder.
        assert "Certificate PDFs are signed with the key in" in result.output
        assert list((isolated_env / "server" / "signing").glob("*/key.pem"))
        other = runner.invoke(main, ["demo", "--seed-only", "--server-port", "5055"])
        assert other.exit_code == 0, other.output
        assert Credentials.load(isolated_env / "laptop").server_url == "http://127.0.0.1:5055"
    finally:
        laptop.dispose()
        server.dispose()


def test_a_laptop_with_the_first_demo_keeps_it_and_gets_the_new_audits(  # type: ignore[no-untyped-def]
    isolated_env, server_db_url
) -> None:
    """The first demo seeded three audits and the laptop pulled them; seeding this demo over
    it adds the rest, and the next pull brings the new audits without touching the old."""
    from auditkit.cli.apps import _link_demo_laptop, prepare_field
    from auditkit.demo import first_audits

    server = make_engine(server_db_url)
    laptop = make_engine(f"sqlite:///{isolated_env / 'laptop' / 'field.sqlite3'}")
    try:
        with make_session_factory(server).begin() as session:
            users = {u.username: first_audits.ensure_user(session, u) for u in DEMO_USERS}
            session.flush()
            for make in (
                first_audits.brightwater_stage2,
                first_audits.delta_surveillance1,
                first_audits.vandijk_vca,
            ):
                make(session, users, date.today())
        prepare_field()
        _link_demo_laptop("http://127.0.0.1:5001")
        assert _audit_kinds(laptop) == FIRST_AUDITS
        with laptop.connect() as conn:
            before = dict(conn.execute(text("SELECT id, created_at FROM audits")).all())

        result = CliRunner().invoke(main, ["demo", "--seed-only"])
        assert result.exit_code == 0, result.output
        assert _audit_kinds(laptop) == ALL_AUDITS
        with laptop.connect() as conn:
            after = dict(conn.execute(text("SELECT id, created_at FROM audits")).all())
        assert {k: after[k] for k in before} == before and len(after) == 6 + len(before)
        assert (
            set(_audit_kinds(server)) == set(ALL_AUDITS) == set(FIRST_AUDITS) | set(NEW_AUDIT_IDS)
        )
    finally:
        laptop.dispose()
        server.dispose()


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("auditkit, version ")


def test_db_upgrade_commands(isolated_env, server_db_url) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.output
    result = runner.invoke(main, ["db", "upgrade", "--field"])
    assert result.exit_code == 0
    assert (isolated_env / "laptop" / "field.sqlite3").exists()


def test_the_demo_has_a_valid_a_suspended_and_an_expired_certificate_and_a_decision_waiting(
    server_engine,
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from auditkit.certificates.status import status_on
    from auditkit.decisions import queue
    from auditkit.models import Certificate

    _seed(server_engine)
    today = date.today()
    with make_session_factory(server_engine)() as s:
        states = {}
        for cert in s.scalars(select(Certificate)):
            states.setdefault(status_on(cert, today).value, []).append(cert.holder_name)
        assert len(states["active"]) == 3  # Delta's three
        assert states["suspended"] == ["Brightwater Coatings B.V."]
        assert states["expired"] == ["Harbour Logistics Rotterdam B.V."]
        waiting = queue.waiting(s, today)
        assert [(w.certification.organisation.name, w.basis) for w in waiting] == [
            ("Noordzee Packaging", "audit")
        ]
