"""The three-year programme date engine, pinned to DOMAIN.md 1.4's worked example.

Every expected date is written out by hand here, never computed with the engine's helpers.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from auditkit.models.enums import AuditType
from auditkit.planning.cycle import (
    VCA_POLICY,
    CycleError,
    CyclePolicy,
    CyclePolicyError,
    Programme,
    RenewalStatus,
    RestorationPeriodOver,
    add_months,
    programme,
    renewal_status,
    suspension_ends,
)
from auditkit.planning.cycle_flags import AuditState, CycleState, flags
from auditkit.planning.cycle_transfer import transfer

DEFAULT = CyclePolicy()


def _worked_example(policy: CyclePolicy = DEFAULT) -> Programme:
    return programme(
        policy,
        decision_date=date(2025, 4, 2),
        first_cycle=True,
        stage2_last_day=date(2025, 3, 14),
    )


# --- the worked example: initial cycle ---------------------------------------------------------


def test_initial_cycle_runs_from_the_decision_to_three_years_less_a_day() -> None:
    prog = _worked_example()
    assert prog.effective == date(2025, 4, 2)
    assert prog.start == date(2025, 4, 2)
    assert prog.expiry == date(2028, 4, 1)
    assert prog.decision_due_by == date(2028, 4, 1)
    assert prog.restorable_until == date(2028, 10, 1)
    assert prog.first_cycle and not prog.restored


def test_initial_cycle_lists_stage_1_and_2_as_history_then_the_audits_due() -> None:
    prog = _worked_example()
    assert [a.key for a in prog.audits] == [
        "stage1",
        "stage2",
        "surveillance1",
        "surveillance2",
        "recertification",
    ]
    assert [a.kind for a in prog.audits] == [
        AuditType.STAGE1,
        AuditType.STAGE2,
        AuditType.SURVEILLANCE,
        AuditType.SURVEILLANCE,
        AuditType.RECERTIFICATION,
    ]
    stage2 = prog.audit("stage2")
    assert stage2.history and stage2.held_on == date(2025, 3, 14) and stage2.due_by is None
    assert [a.key for a in prog.due] == ["surveillance1", "surveillance2", "recertification"]


def test_first_surveillance_is_due_twelve_months_after_the_initial_decision() -> None:
    s1 = _worked_example().audit("surveillance1")
    assert s1.due_by == date(2026, 4, 2)
    assert s1.window_opens == date(2026, 1, 2)  # 3 months early at most
    assert "12 months after the initial certification decision" in s1.rule
    assert "17021-1 9.1.3" in s1.rule


def test_second_surveillance_falls_in_the_next_calendar_year() -> None:
    s2 = _worked_example().audit("surveillance2")
    assert (s2.window_opens, s2.due_by) == (date(2027, 1, 1), date(2027, 12, 31))
    assert s2.number == 2 and "calendar year 2027" in s2.rule


def test_recertification_audit_ends_early_enough_for_a_decision_before_expiry() -> None:
    recert = _worked_example().audit("recertification")
    assert recert.window_opens == date(2027, 10, 1)  # 6 months before expiry
    assert recert.due_by == date(2028, 3, 2)  # 30 days before 2028-04-01


def test_expiry_without_the_day_off_is_three_years_to_the_day() -> None:
    prog = _worked_example(CyclePolicy(expiry_minus_one_day=False))
    assert prog.expiry == date(2028, 4, 2)
    renewed = programme(
        CyclePolicy(expiry_minus_one_day=False),
        decision_date=date(2028, 3, 20),
        first_cycle=False,
        previous_expiry=date(2028, 4, 2),
    )
    assert renewed.expiry == date(2031, 4, 2)
    assert renewed.start == date(2028, 4, 2)


def test_a_decision_before_stage_2_ends_is_refused() -> None:
    with pytest.raises(CycleError, match="before stage 2 ends"):
        programme(
            DEFAULT,
            decision_date=date(2025, 3, 10),
            first_cycle=True,
            stage2_last_day=date(2025, 3, 14),
        )


# --- renewals ------------------------------------------------------------------------------------


def _renewal(decision: date) -> Programme:
    return programme(
        DEFAULT, decision_date=decision, first_cycle=False, previous_expiry=date(2028, 4, 1)
    )


def test_timely_renewal_keeps_the_cycle_aligned_on_the_old_expiry() -> None:
    prog = _renewal(date(2028, 3, 10))
    assert prog.effective == date(2028, 3, 10)
    assert prog.start == date(2028, 4, 2)
    assert prog.expiry == date(2031, 4, 1)
    assert not prog.restored and not prog.first_cycle
    assert [a.key for a in prog.audits] == ["surveillance1", "surveillance2", "recertification"]
    assert prog.audit("surveillance1").due_by == date(2029, 4, 2)
    s2 = prog.audit("surveillance2")
    assert (s2.window_opens, s2.due_by) == (date(2030, 1, 1), date(2030, 12, 31))


def test_a_renewal_decided_on_the_expiry_date_itself_is_still_timely() -> None:
    assert renewal_status(DEFAULT, date(2028, 4, 1), date(2028, 4, 1)) is RenewalStatus.TIMELY
    assert _renewal(date(2028, 4, 1)).expiry == date(2031, 4, 1)


def test_late_renewal_within_six_months_is_effective_on_the_decision_with_aligned_expiry() -> None:
    prog = _renewal(date(2028, 6, 15))
    assert prog.restored
    assert prog.effective == date(2028, 6, 15)
    assert prog.expiry == date(2031, 4, 1)
    assert prog.start == date(2028, 4, 2)
    assert _renewal(date(2028, 10, 1)).restored  # the last day of the restoration period


def test_renewal_seven_months_late_needs_a_new_initial_certification() -> None:
    assert (
        renewal_status(DEFAULT, date(2028, 4, 1), date(2028, 11, 1))
        is RenewalStatus.NEW_CERTIFICATION_NEEDED
    )
    with pytest.raises(RestorationPeriodOver, match="at least a stage 2") as refused:
        _renewal(date(2028, 11, 1))
    assert refused.value.restorable_until == date(2028, 10, 1)
    with pytest.raises(RestorationPeriodOver):
        _renewal(date(2028, 10, 2))  # one day past the period


def test_a_renewal_needs_the_previous_expiry() -> None:
    with pytest.raises(CycleError, match="previous certificate's expiry"):
        programme(DEFAULT, decision_date=date(2028, 3, 10), first_cycle=False)


# --- flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 1, 1), AuditState.NOT_YET_OPEN),
        (date(2026, 1, 2), AuditState.OPEN),
        (date(2026, 3, 2), AuditState.OPEN),
        (date(2026, 3, 3), AuditState.AT_RISK),  # 30 days before 2026-04-02
        (date(2026, 4, 2), AuditState.AT_RISK),
        (date(2026, 4, 3), AuditState.OVERDUE),
    ],
)
def test_first_surveillance_state_through_its_window(today: date, state: AuditState) -> None:
    assert flags(_worked_example(), today).of("surveillance1").state is state


def test_recertification_is_at_risk_ninety_days_before_its_due_date() -> None:
    prog = _worked_example()
    assert flags(prog, date(2027, 9, 30)).of("recertification").state is AuditState.NOT_YET_OPEN
    assert flags(prog, date(2027, 12, 2)).of("recertification").state is AuditState.OPEN
    assert flags(prog, date(2027, 12, 3)).of("recertification").state is AuditState.AT_RISK
    assert flags(prog, date(2028, 3, 3)).of("recertification").state is AuditState.OVERDUE


def test_a_held_audit_is_done_and_says_whether_it_was_late() -> None:
    prog = _worked_example()
    on_time = flags(prog, date(2026, 6, 1), {"surveillance1": date(2026, 3, 1)})
    assert on_time.of("surveillance1").state is AuditState.DONE
    assert not on_time.of("surveillance1").late
    late = flags(prog, date(2026, 6, 1), {"surveillance1": date(2026, 5, 1)})
    assert late.of("surveillance1").state is AuditState.DONE and late.of("surveillance1").late
    early = flags(prog, date(2026, 6, 1), {"surveillance1": date(2025, 12, 1)})
    assert early.of("surveillance1").early
    by_kind = flags(prog, date(2028, 3, 20), {AuditType.RECERTIFICATION})
    assert by_kind.of("recertification").state is AuditState.DONE
    assert by_kind.of("surveillance1").state is AuditState.OVERDUE


def test_done_must_name_one_audit_of_the_cycle_held_in_the_past() -> None:
    prog = _worked_example()
    with pytest.raises(CycleError, match="say which"):
        flags(prog, date(2026, 6, 1), {AuditType.SURVEILLANCE})
    with pytest.raises(CycleError, match="not an audit of this cycle"):
        flags(prog, date(2026, 6, 1), {"surveillance3"})
    with pytest.raises(CycleError, match="after 2026-06-01"):
        flags(prog, date(2026, 6, 1), {"surveillance1": date(2026, 6, 2)})


def test_cycle_state_valid_then_restorable_then_lapsed() -> None:
    prog = _worked_example()
    assert flags(prog, date(2025, 4, 1)).state is CycleState.NOT_YET_EFFECTIVE
    assert flags(prog, date(2028, 4, 1)).state is CycleState.VALID
    restorable = flags(prog, date(2028, 4, 2))
    assert restorable.state is CycleState.RESTORABLE
    assert "restorable until 2028-10-01" in restorable.message
    assert flags(prog, date(2028, 10, 1)).state is CycleState.RESTORABLE
    lapsed = flags(prog, date(2028, 10, 2))
    assert lapsed.state is CycleState.LAPSED and "at least a stage 2" in lapsed.message


# --- 29 February -------------------------------------------------------------------------------


def test_a_29_february_decision_expires_on_27_february_with_the_day_off() -> None:
    prog = programme(DEFAULT, decision_date=date(2024, 2, 29), first_cycle=True)
    assert prog.expiry == date(2027, 2, 27)  # 28 Feb 2027 (no 29th), less one day
    assert prog.audit("surveillance1").due_by == date(2025, 2, 28)
    plain = programme(
        CyclePolicy(expiry_minus_one_day=False), decision_date=date(2024, 2, 29), first_cycle=True
    )
    assert plain.expiry == date(2027, 2, 28)
    renewed = programme(
        DEFAULT, decision_date=date(2027, 2, 1), first_cycle=False, previous_expiry=prog.expiry
    )
    assert renewed.expiry == date(2030, 2, 27)


def test_month_arithmetic_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


# --- policy --------------------------------------------------------------------------------


def test_from_mapping_reads_text_values_as_the_environment_gives_them() -> None:
    policy = CyclePolicy.from_mapping(
        {"recert_lead_months": "4", "expiry_minus_one_day": "false", "at_risk_days": 14}
    )
    assert policy.recert_lead_months == 4
    assert policy.expiry_minus_one_day is False
    assert policy.at_risk_days == 14
    assert policy.cycle_years == 3  # untouched keys keep the default
    assert (
        CyclePolicy.from_mapping({"surveillance_max_gap_months": ""}).surveillance_max_gap_months
        is None
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"cycle_length": 3}, "cycle_length", "Unknown cycle policy setting"),
        ({"at_risk_days": -1}, "at_risk_days", "cannot be negative"),
        ({"restoration_months": "-2"}, "restoration_months", "cannot be negative"),
        ({"at_risk_days": "soon"}, "at_risk_days", "whole number"),
        ({"at_risk_days": True}, "at_risk_days", "whole number"),
        ({"expiry_minus_one_day": "maybe"}, "expiry_minus_one_day", "true or false"),
        ({"cycle_years": 0}, "cycle_years", "at least 1"),
        ({"recert_decision_days": 400}, "recert_decision_days", "close before it opens"),
    ],
)
def test_from_mapping_refuses_bad_settings_naming_the_key(
    values: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(CyclePolicyError, match=message) as refused:
        CyclePolicy.from_mapping(values)
    assert refused.value.field == field


def test_policy_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.cycle_years = 4  # type: ignore[misc]


def test_suspension_limit_is_six_months_by_default() -> None:
    assert suspension_ends(DEFAULT, date(2026, 1, 15)) == date(2026, 7, 15)
    assert suspension_ends(VCA_POLICY, date(2026, 1, 15)) == date(2026, 4, 15)


# --- VCA and transfers -----------------------------------------------------------------------


def test_vca_interim_audits_are_yearly() -> None:
    prog = _worked_example(VCA_POLICY)
    assert prog.expiry == date(2028, 4, 1)
    first, second = prog.audit("surveillance1"), prog.audit("surveillance2")
    assert first.due_by == date(2026, 4, 2) and "first interim audit" in first.rule
    assert second.due_by == date(2027, 4, 2)  # 12 months after the first, not 31 December
    assert second.window_opens == date(2027, 1, 1)
    assert "VCA" in second.rule and "17021" not in second.rule


def test_transfer_continues_the_issuing_cbs_cycle_with_what_remains() -> None:
    moved = transfer(
        DEFAULT,
        cycle_start=date(2025, 4, 2),
        expiry=date(2028, 4, 2),  # the issuing CB did not take the day off: kept as is
        first_cycle=True,
        decision_date=date(2026, 9, 1),
        done={"surveillance1": date(2026, 3, 20)},
    )
    assert moved.programme.expiry == date(2028, 4, 2)
    assert moved.programme.effective == date(2026, 9, 1)
    assert [a.key for a in moved.remaining] == ["surveillance2", "recertification"]
    assert moved.programme.audit("surveillance2").due_by == date(2027, 12, 31)
    assert moved.programme.audit("recertification").due_by == date(2028, 3, 3)
    state = flags(moved.programme, date(2026, 9, 1), moved.done)
    assert state.of("surveillance1").state is AuditState.DONE


def test_transfer_with_a_missed_surveillance_shows_it_overdue() -> None:
    moved = transfer(
        DEFAULT,
        cycle_start=date(2025, 4, 2),
        expiry=date(2028, 4, 1),
        first_cycle=True,
        decision_date=date(2026, 9, 1),
    )
    assert [a.key for a in moved.remaining] == [
        "surveillance1",
        "surveillance2",
        "recertification",
    ]
    assert flags(moved.programme, date(2026, 9, 1)).of("surveillance1").state is (
        AuditState.OVERDUE
    )


def test_an_expired_certificate_cannot_be_transferred() -> None:
    with pytest.raises(CycleError, match="expired certificate"):
        transfer(
            DEFAULT,
            cycle_start=date(2025, 4, 2),
            expiry=date(2028, 4, 1),
            first_cycle=True,
            decision_date=date(2028, 5, 1),
        )
