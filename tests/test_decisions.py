"""Certification decisions: every gate has a test named after it, and each outcome does to
the cycle and the certificate what 17021-1 asks (auditkit.decisions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from auditkit.certificates import status
from auditkit.certificates.issue import revisions
from auditkit.decisions import file as decision_file
from auditkit.decisions import gates
from auditkit.decisions.outcomes import DecisionRefused, GatesFailed
from auditkit.models import (
    AuditStatus,
    AuditType,
    CertificateStatus,
    CorrectiveActionStatus,
    DecisionOutcome,
    Grade,
    TeamRole,
)
from auditkit.planning.cycle import add_months
from tests.decision_helpers import decide, decision_maker, initial, nonconformity

S = CorrectiveActionStatus
O = DecisionOutcome  # noqa: E741
TODAY = date.today()


def _gate(results, rule):  # type: ignore[no-untyped-def]
    return next(r for r in results if r.rule == rule)


def _check(factory, certification, principal, user, outcome, on=TODAY):  # type: ignore[no-untyped-def]
    factory.session.refresh(certification)
    built = decision_file.build(factory.session, certification, principal)
    return gates.check(gates.Context(factory.session, built, user, outcome, on))


def test_decision_maker_not_on_any_team(factory) -> None:  # type: ignore[no-untyped-def]
    certification, stage1, stage2, lead = initial(factory, today=TODAY)
    on_stage1 = decision_maker(factory)
    stage1.team.append(type(stage1.team[0])(user=on_stage1, role=TeamRole.AUDITOR))
    factory.session.flush()
    failed = _gate(
        _check(factory, certification, stage2, on_stage1, O.GRANT), "decision_maker_not_on_any_team"
    )
    assert not failed.passed and "9.5.1" in failed.message and failed.unblock
    other = decision_maker(factory)
    assert _gate(
        _check(factory, certification, stage2, other, O.GRANT), "decision_maker_not_on_any_team"
    ).passed
    # The lead cannot decide even with the role: the gate blocks, and so would the workflow.
    with pytest.raises(GatesFailed) as refused:
        decide(factory, lead, certification, stage2, O.GRANT, TODAY)
    assert [r.rule for r in refused.value.failed] == ["decision_maker_not_on_any_team"]


def test_audits_reviewed(factory) -> None:  # type: ignore[no-untyped-def]
    certification, stage1, stage2, _ = initial(factory, today=TODAY)
    stage1.status = AuditStatus.SUBMITTED
    result = _gate(
        _check(factory, certification, stage2, decision_maker(factory), O.GRANT), "audits_reviewed"
    )
    assert not result.passed and "accepted" in result.message


def test_nonconformities_resolved(factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY)
    dm = decision_maker(factory)
    major, major_ca = nonconformity(factory, stage2, Grade.MAJOR, S.EVIDENCE_SUBMITTED)
    minor, minor_ca = nonconformity(factory, stage2, Grade.MINOR, S.SUBMITTED)
    result = _gate(_check(factory, certification, stage2, dm, O.GRANT), "nonconformities_resolved")
    assert not result.passed
    assert "not verified closed" in result.message and "without an accepted plan" in result.message
    assert "Corrective actions" in result.unblock
    major_ca.status = S.VERIFIED_CLOSED
    major_ca.verified_at = datetime.now(UTC)
    minor_ca.status = S.PLAN_ACCEPTED
    factory.session.flush()
    assert _gate(
        _check(factory, certification, stage2, dm, O.GRANT), "nonconformities_resolved"
    ).passed
    # a refusal does not wait for the nonconformities
    assert [r.rule for r in _check(factory, certification, stage2, dm, O.REFUSE)] == [
        "decision_maker_not_on_any_team"
    ]


def test_stage2_majors_verified_in_time(factory) -> None:  # type: ignore[no-untyped-def]
    end = TODAY - timedelta(days=220)
    certification, _, stage2, _ = initial(factory, today=TODAY, stage2_end=end)
    dm = decision_maker(factory)
    limit = add_months(end, 6)
    _, ca = nonconformity(
        factory, stage2, Grade.MAJOR, S.VERIFIED_CLOSED, verified_on=limit + timedelta(days=3)
    )
    result = _gate(
        _check(factory, certification, stage2, dm, O.GRANT), "stage2_majors_verified_in_time"
    )
    assert not result.passed and limit.isoformat() in result.message
    assert "new stage 2" in result.unblock
    ca.verified_at = datetime.combine(limit, time(9), tzinfo=UTC)
    factory.session.flush()
    assert _gate(
        _check(factory, certification, stage2, dm, O.GRANT), "stage2_majors_verified_in_time"
    ).passed


def _certified(factory, *, granted_on: date):  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(
        factory, today=granted_on, stage2_end=granted_on - timedelta(days=5)
    )
    dm = decision_maker(factory)
    decision = decide(factory, dm, certification, stage2, O.GRANT, granted_on)
    return certification, dm, decision


def _recert(factory, certification, start: date):  # type: ignore[no-untyped-def]
    audit = factory.audit(
        organisation=certification.organisation, audit_type=AuditType.RECERTIFICATION,
        status=AuditStatus.ACCEPTED, lead=factory.auditor(), start=start, days=2,
    )  # fmt: skip
    certification.audits.append(audit)
    factory.session.flush()
    return audit


def test_recertification_in_time(factory) -> None:  # type: ignore[no-untyped-def]
    granted = TODAY - timedelta(days=3 * 365 + 30)
    certification, dm, _ = _certified(factory, granted_on=granted)
    expiry = certification.cycles[-1].expiry_date
    assert expiry < TODAY  # expired some weeks ago
    recert = _recert(factory, certification, expiry - timedelta(days=20))
    renew = _gate(_check(factory, certification, recert, dm, O.RENEW), "recertification_in_time")
    assert not renew.passed and "restored" in renew.message and "restore" in renew.unblock
    restore = _gate(
        _check(factory, certification, recert, dm, O.RESTORE), "recertification_in_time"
    )
    assert restore.passed
    late = _gate(
        _check(
            factory,
            certification,
            recert,
            dm,
            O.RESTORE,
            on=add_months(expiry, 6) + timedelta(days=1),
        ),
        "recertification_in_time",
    )
    assert not late.passed and "new initial certification" in late.unblock


def test_vca_must_questions_met(factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY, scheme="vca-2017")
    certification.vca_level = "star1"
    dm = decision_maker(factory)
    nonconformity(factory, stage2, Grade.DEVIATION, S.EVIDENCE_SUBMITTED)
    open_ = _gate(_check(factory, certification, stage2, dm, O.GRANT), "vca_must_questions_met")
    assert not open_.passed and "not verified closed" in open_.message
    factory.session.rollback()


def test_vca_grant_on_an_unconfirmed_level_mapping_is_refused(factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY, scheme="vca-2017")
    certification.vca_level = "star1"
    result = _gate(
        _check(factory, certification, stage2, decision_maker(factory), O.GRANT),
        "vca_must_questions_met",
    )
    assert not result.passed and "unconfirmed" in result.message


def test_a_grant_starts_the_cycle_and_issues_a_numbered_certificate(factory) -> None:  # type: ignore[no-untyped-def]
    certification, dm, decision = _certified(factory, granted_on=TODAY)
    cycle = certification.cycles[-1]
    assert cycle.start_date == TODAY
    assert cycle.expiry_date == add_months(TODAY, 36) - timedelta(days=1)
    cert = decision_file.current_certificate(factory.session, certification)
    assert cert is not None and cert.revision == 0 and cert.decision_id == decision.id
    assert cert.number == f"AK-QMS-{TODAY.year}-00001"
    assert cert.effective_date == TODAY and cert.expiry_date == cycle.expiry_date
    assert cert.accredited and cert.holder_name == certification.organisation.legal_name
    assert [s.name for s in cert.sites] == [s.name for s in certification.sites]
    assert status.status_on(cert, TODAY) == CertificateStatus.ACTIVE
    assert status.status_on(cert, cert.expiry_date + timedelta(days=1)) == CertificateStatus.EXPIRED
    assert {a.status for a in decision.audits} == {AuditStatus.DECIDED}
    assert [g["rule"] for g in decision.gate_results][0] == "decision_maker_not_on_any_team"


def test_the_second_grant_of_the_year_takes_the_next_number(factory) -> None:  # type: ignore[no-untyped-def]
    _certified(factory, granted_on=TODAY)
    second, _, _ = _certified(factory, granted_on=TODAY)
    cert = decision_file.current_certificate(factory.session, second)
    assert cert.number.endswith("-00002")


def test_the_effective_date_is_never_before_the_decision(factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY)
    with pytest.raises(DecisionRefused) as refused:
        decide(
            factory, decision_maker(factory), certification, stage2, O.GRANT, TODAY,
            effective_date=TODAY - timedelta(days=1),
        )  # fmt: skip
    assert refused.value.field == "effective_date"
    with pytest.raises(DecisionRefused) as future:
        decide(
            factory,
            decision_maker(factory),
            certification,
            stage2,
            O.GRANT,
            TODAY + timedelta(days=1),
            today=TODAY,
        )
    assert future.value.field == "decision_date"


def test_suspension_changes_the_status_in_place_and_lapses_after_its_limit(factory) -> None:  # type: ignore[no-untyped-def]
    certification, dm, _ = _certified(factory, granted_on=TODAY - timedelta(days=100))
    decision = decide(
        factory, dm, certification, None, O.SUSPEND, TODAY, reasons="Surveillance refused."
    )
    cert = decision_file.current_certificate(factory.session, certification)
    assert cert.revision == 0 and cert.status == CertificateStatus.SUSPENDED
    assert cert.suspended_until == add_months(TODAY, 6) == decision.suspended_until
    assert not status.suspension_lapsed(cert, cert.suspended_until)
    assert status.suspension_lapsed(cert, cert.suspended_until + timedelta(days=1))
    decide(factory, dm, certification, None, O.RESTORE, TODAY, reasons="Surveillance held.")
    assert cert.status == CertificateStatus.ACTIVE and cert.suspended_until is None
    decide(factory, dm, certification, None, O.WITHDRAW, TODAY, reasons="At the client's request.")
    assert status.status_on(cert, TODAY) == CertificateStatus.WITHDRAWN
    assert len(revisions(factory.session, cert.number)) == 1


def test_a_suspension_longer_than_the_cb_limit_is_refused(factory) -> None:  # type: ignore[no-untyped-def]
    certification, dm, _ = _certified(factory, granted_on=TODAY - timedelta(days=100))
    with pytest.raises(DecisionRefused) as refused:
        decide(
            factory, dm, certification, None, O.SUSPEND, TODAY,
            suspended_until=add_months(TODAY, 7),
        )  # fmt: skip
    assert refused.value.field == "suspended_until"


def test_renewal_issues_a_new_revision_that_supersedes_and_keeps_cycles_aligned(factory) -> None:  # type: ignore[no-untyped-def]
    granted = TODAY - timedelta(days=3 * 365 - 40)
    certification, dm, _ = _certified(factory, granted_on=granted)
    first = decision_file.current_certificate(factory.session, certification)
    old_expiry = first.expiry_date
    recert = _recert(factory, certification, TODAY - timedelta(days=10))
    decide(factory, dm, certification, recert, O.RENEW, TODAY)
    new = decision_file.current_certificate(factory.session, certification)
    assert new.number == first.number and new.revision == 1 and new.supersedes_id == first.id
    assert not first.is_current and status.status_on(first, TODAY) == CertificateStatus.INACTIVE
    assert new.expiry_date == add_months(old_expiry, 36)
    assert new.original_date == first.original_date


def test_a_scope_change_is_a_new_revision(factory) -> None:  # type: ignore[no-untyped-def]
    certification, dm, _ = _certified(factory, granted_on=TODAY - timedelta(days=100))
    first = decision_file.current_certificate(factory.session, certification)
    decide(factory, dm, certification, None, O.REDUCE_SCOPE, TODAY, scope="Assembly only.")
    new = decision_file.current_certificate(factory.session, certification)
    assert new.revision == 1 and new.scope == "Assembly only." and first.scope != new.scope
    assert new.expiry_date == first.expiry_date and new.effective_date == TODAY


def test_an_outcome_that_does_not_fit_is_refused_with_the_choices(factory) -> None:  # type: ignore[no-untyped-def]
    certification, _, stage2, _ = initial(factory, today=TODAY)
    with pytest.raises(DecisionRefused) as refused:
        decide(factory, decision_maker(factory), certification, stage2, O.RENEW, TODAY)
    assert refused.value.field == "outcome" and "grant certification" in refused.value.message


def test_vca_a_verified_deviation_meets_its_must_question_on_a_confirmed_mapping(factory) -> None:  # type: ignore[no-untyped-def]
    from auditkit.checklists import parse_checklist
    from auditkit.models import Response, Verdict

    certification, _, stage2, _ = initial(factory, today=TODAY, scheme="vca-2017")
    certification.vca_level = "star1"
    pinned = stage2.checklists[0]
    pinned.content = pinned.content.replace(
        "level_mapping: unconfirmed", "level_mapping: confirmed"
    )
    checklist = parse_checklist(pinned.content, "<test>")
    responses = {}
    for _, question in checklist.iter_items():
        row = Response(
            audit_id=stage2.id, item_key=checklist.item_key(question), verdict=Verdict.CONFORMING,
            version=1,
        )  # fmt: skip
        factory.session.add(row)
        responses[question.id] = row
    must = next(q for _, q in checklist.iter_items() if q.flag("star1") == "must")
    responses[must.id].verdict = Verdict.NONCONFORMITY
    factory.session.flush()
    finding, ca = nonconformity(factory, stage2, Grade.DEVIATION, S.EVIDENCE_SUBMITTED)
    finding.responses.append(responses[must.id])
    factory.session.flush()
    dm = decision_maker(factory)
    assert not _gate(
        _check(factory, certification, stage2, dm, O.GRANT), "vca_must_questions_met"
    ).passed
    ca.status = S.VERIFIED_CLOSED
    ca.verified_at = datetime.now(UTC)
    factory.session.flush()
    result = _gate(_check(factory, certification, stage2, dm, O.GRANT), "vca_must_questions_met")
    assert result.passed, result.message


def test_the_accreditation_mark_only_inside_the_accredited_scope() -> None:
    from auditkit.certificates.settings import (
        CertificateSettings,
        CertificateSettingsError,
        certificate_settings,
    )

    settings = certificate_settings(
        {"AUDITKIT_ACCREDITED_SCOPE": "iso9001-2015: 1-20, 28; iso14001-2015:*"}
    )
    assert settings.accredited("iso9001-2015", [17, 28])
    assert not settings.accredited("iso9001-2015", [17, 29])  # 29 is outside
    assert settings.accredited("iso14001-2015", [35])
    assert not settings.accredited("iso45001-2018", [17])  # no accreditation for 45001
    assert not CertificateSettings().accredited("iso9001-2015", [17])  # none by default
    for bad in ("iso9001-2015:40", "iso9999:1", "iso9001-2015"):
        with pytest.raises(CertificateSettingsError) as refused:
            certificate_settings({"AUDITKIT_ACCREDITED_SCOPE": bad})
        assert refused.value.field == "AUDITKIT_ACCREDITED_SCOPE"
    with pytest.raises(CertificateSettingsError):
        certificate_settings({"AUDITKIT_CERT_NUMBER_PATTERN": "{prefix}-{year}"})  # no {seq}


def test_numbers_follow_the_configured_pattern(factory) -> None:  # type: ignore[no-untyped-def]
    from auditkit.certificates.issue import next_number
    from auditkit.certificates.settings import certificate_settings

    settings = certificate_settings(
        {
            "AUDITKIT_CERT_NUMBER_PATTERN": "{prefix}/{year}/{code}{seq:03d}",
            "AUDITKIT_CERT_PREFIX": "CB",
        }
    )
    session = factory.session
    assert next_number(session, settings, "iso27001-2022", 2026) == "CB/2026/ISMS001"
    assert next_number(session, settings, "iso27001-2022", 2026) == "CB/2026/ISMS002"
    assert next_number(session, settings, "iso27001-2022", 2027) == "CB/2027/ISMS001"
    assert next_number(session, settings, "vca-2017", 2026) == "CB/2026/VCA001"


def test_an_overdue_surveillance_and_a_lapsed_suspension_flag_themselves(factory) -> None:  # type: ignore[no-untyped-def]
    from auditkit.certifications.overview import refresh_next_due
    from auditkit.decisions import queue

    granted = add_months(TODAY, -14)
    certification, dm, _ = _certified(factory, granted_on=granted)
    refresh_next_due(certification, TODAY)
    factory.session.flush()
    waiting = queue.waiting(factory.session, TODAY)
    assert [(w.certification.id, w.basis) for w in waiting] == [
        (certification.id, "surveillance_overdue")
    ]
    assert "surveillance1 overdue since" in waiting[0].reason
    decide(factory, dm, certification, None, O.SUSPEND, TODAY, reasons="Surveillance overdue.")
    later = add_months(TODAY, 6) + timedelta(days=1)
    assert [w.basis for w in queue.waiting(factory.session, later)] == ["suspension_lapsed"]


def test_an_integrated_audit_is_decided_once_each_certification_has_its_decision(factory) -> None:  # type: ignore[no-untyped-def]
    from auditkit.decisions import queue

    quality, _, stage2, _ = initial(factory, today=TODAY)
    environment = factory.certification(organisation=quality.organisation, scheme="iso14001-2015")
    environment.audits.append(stage2)
    factory.session.flush()
    dm = decision_maker(factory)
    decide(factory, dm, quality, stage2, O.GRANT, TODAY)
    assert stage2.status == AuditStatus.REPORT_RELEASED  # still waits for the 14001 decision
    waiting = queue.waiting(factory.session, TODAY)
    assert [(w.certification.id, w.audit.id) for w in waiting] == [(environment.id, stage2.id)]
    decide(factory, dm, environment, stage2, O.GRANT, TODAY)
    assert stage2.status == AuditStatus.DECIDED
    assert queue.waiting(factory.session, TODAY) == []
    numbers = {
        decision_file.current_certificate(factory.session, c).number for c in (quality, environment)
    }
    assert numbers == {f"AK-QMS-{TODAY.year}-00001", f"AK-EMS-{TODAY.year}-00001"}
