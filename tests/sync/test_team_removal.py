"""Issue 12 item 7 on a real server: an auditor taken off a team keeps nothing of that
audit once its unsent changes have gone up or been refused with a reason they can read;
put back on the team, the laptop gets the audit again in full."""

from __future__ import annotations

from sqlalchemy import delete, select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import Audit, AuditTeamMember, Photo, Response, SyncRejection, TeamRole, User
from auditkit.photostore import PhotoStore
from sync import protocol

ITEM = "iso9001-2015:7.2/1"


def _take_off_team(server_engine, username: str) -> AuditTeamMember:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        member = session.scalars(
            select(AuditTeamMember).where(
                AuditTeamMember.audit_id == AUDIT_ID, AuditTeamMember.user_id == user.id
            )
        ).one()
        kept = (member.id, member.user_id, member.role)
        session.execute(delete(AuditTeamMember).where(AuditTeamMember.id == member.id))
    return kept


def test_an_auditor_off_the_team_keeps_nothing_after_the_refusal_is_read(  # type: ignore[no-untyped-def]
    laptops, server_engine
) -> None:
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.photo(ITEM, seed=3, size=(1800, 1300))  # big enough to have a print copy
    assert anna.sync().ok
    with anna.session() as session:
        sha = session.scalars(select(Photo.sha256).where(Photo.audit_id == AUDIT_ID)).one()
    store = PhotoStore(anna.settings.photos_dir)
    assert store.exists(sha) and store.print_path(sha).is_file()
    anna.answer(ITEM, notes="Training records of the new welders seen")  # not yet sent
    member_id, user_id, role = _take_off_team(server_engine, "auditor1")

    summary = anna.sync()

    assert summary.rejected == 1 and summary.removed_audits == 1
    assert summary.rejections[0]["code"] == protocol.NOT_ON_TEAM
    with anna.session() as session:
        assert session.get(Audit, AUDIT_ID) is None
        assert session.scalars(select(Response).where(Response.audit_id == AUDIT_ID)).all() == []
        refusal = session.scalars(select(SyncRejection)).one()
    # The reason stays readable; the text the refused change carried does not.
    assert "not on the team" in refusal.message and refusal.payload == {}
    renditions = (store.path(sha), store.thumbnail_path(sha), store.print_path(sha))
    assert not any(path.exists() for path in renditions)

    with make_session_factory(server_engine).begin() as session:
        session.add(AuditTeamMember(id=member_id, audit_id=AUDIT_ID, user_id=user_id, role=role))
    assert anna.sync().ok
    with anna.session() as session:
        back = session.get(Audit, AUDIT_ID)
        assert back is not None and any(m.role == TeamRole.LEAD for m in back.team)
    assert store.exists(sha)  # the photo comes down again


def test_an_audit_with_changes_still_waiting_is_kept_until_they_are_sent(  # type: ignore[no-untyped-def]
    laptops, server_engine, cb_server
) -> None:
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.answer(ITEM, notes="Seen")
    _take_off_team(server_engine, "auditor1")
    cb_server.stop()  # no network: nothing goes up, nothing is removed
    summary = anna.sync()
    assert not summary.ok and summary.removed_audits == 0
    with anna.session() as session:
        assert session.get(Audit, AUDIT_ID) is not None
    assert anna.pending() == 1


def test_new_dates_and_a_new_teammate_reach_the_laptop_at_its_next_sync(  # type: ignore[no-untyped-def]
    laptops, server_engine
) -> None:
    from datetime import timedelta

    from auditkit.unit_of_work import Actor, ServerWork

    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    with make_session_factory(server_engine).begin() as session:
        audit = session.get(Audit, AUDIT_ID)
        audit.start_date += timedelta(days=7)
        audit.end_date += timedelta(days=7)
        bram = session.scalars(select(User).where(User.username == "auditor2")).one()
        if all(m.user_id != bram.id for m in audit.team):
            audit.team.append(AuditTeamMember(user_id=bram.id, role=TeamRole.OBSERVER))
        moved = audit.start_date
        ServerWork(session, Actor.system("test")).changed(audit, "audit", str(audit.id))
    assert anna.sync().ok
    with anna.session() as session:
        here = session.get(Audit, AUDIT_ID)
        assert here.start_date == moved
        assert "auditor2" in {m.user.username for m in here.team}
