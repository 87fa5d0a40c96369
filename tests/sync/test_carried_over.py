"""Issue 12 item 7 on a real server: a planned audit reaches its lead's laptop with its
schedule and the open nonconformities of earlier audits of the same certification."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from auditkit.db import make_session_factory
from auditkit.models import (
    Audit,
    AuditorQualification,
    AuditStatus,
    AuditType,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Grade,
    User,
)
from auditkit.planning import schedule
from auditkit.planning.audits import PlanInput, plan_audit
from auditkit.unit_of_work import Actor, ServerWork
from tests.factories import Factory


def test_the_laptop_gets_the_schedule_and_the_open_ncs_to_verify(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        factory = Factory(session)
        anna = session.scalars(select(User).where(User.username == "auditor1")).one()
        held = session.scalars(
            select(AuditorQualification).where(
                AuditorQualification.user_id == anna.id,
                AuditorQualification.scheme == "iso9001-2015",
            )
        ).first() or factory.qualification(anna, "iso9001-2015")
        held.may_lead = True
        cert = factory.certification(
            organisation=factory.organisation(sites=1), sector_codes=held.sector_codes[:1]
        )
        factory.certification_cycle(cert, start=date.today() - timedelta(days=300))
        earlier = factory.audit(
            organisation=cert.organisation,
            audit_type=AuditType.STAGE2,
            status=AuditStatus.ACCEPTED,
            start=date.today() - timedelta(days=330),
        )
        cert.audits.append(earlier)
        minor = factory.finding(earlier, grade=Grade.MINOR, number="NC-7")
        minor.statement = "Calibration records of two gauges were missing."
        closed = factory.finding(earlier, grade=Grade.MAJOR, number="NC-8")
        session.add(
            CorrectiveAction(
                finding_id=closed.id,
                audit_id=earlier.id,
                status=CorrectiveActionStatus.VERIFIED_CLOSED,
            )
        )
        factory.finding(earlier, grade=Grade.OFI)
        work = ServerWork(session, Actor.system("test"))
        start = date.today() + timedelta(days=20)
        audit = plan_audit(
            work,
            cert.organisation,
            PlanInput(
                audit_type="surveillance",
                start_date=start.isoformat(),
                end_date=(start + timedelta(days=1)).isoformat(),
                certification_ids=[str(cert.id)],
                lead_id=str(anna.id),
            ),
        )
        schedule.add_item(
            work,
            audit,
            {
                "day": start.isoformat(),
                "start": "09:00",
                "end": "12:00",
                "site_id": str(audit.sites[0].id),
                "auditor_id": str(anna.id),
                "activity": "Follow-up of NC-7; production control",
            },
        )
        audit_id = audit.id

    laptop = laptops("anna").login("auditor1")
    assert laptop.sync().ok
    with laptop.session() as session:
        here = session.get(Audit, audit_id)
        assert [nc["number"] for nc in here.carried_over] == ["NC-7"]
        assert here.carried_over[0]["statement"].startswith("Calibration records")
        assert here.schedule[0]["activity"] == "Follow-up of NC-7; production control"
        assert session.scalars(select(Finding).where(Finding.audit_id == earlier.id)).all() == []
    page = laptop.client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert 'id="carried-over"' in page and "NC-7" in page and 'id="schedule"' in page
