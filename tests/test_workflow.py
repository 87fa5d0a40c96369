"""The audit workflow: moves, who may make them, what each status locks; and nothing else
spells a status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditkit import workflow
from auditkit.models import AuditStatus, Role, TeamRole
from auditkit.workflow import MoveRefused, Part

S = AuditStatus
ROOT = Path(__file__).resolve().parents[1]


def test_the_whole_life_of_an_audit() -> None:
    status = S.PLANNED
    for name, who in [
        ("start", {"team_role": TeamRole.AUDITOR}),
        ("submit", {"team_role": TeamRole.LEAD}),
        ("return", {"roles": {Role.REVIEWER}}),
        ("submit", {"team_role": TeamRole.LEAD}),
        ("accept", {"roles": {Role.REVIEWER}}),
        ("release", {"roles": {Role.REVIEWER}}),
        ("release", {"roles": {Role.REVIEWER}}),  # a later round: a new revision
        ("decide", {"roles": {Role.DECISION_MAKER}}),
    ]:
        status = workflow.check(name, status, **who).target
    assert status == S.DECIDED


def test_only_the_lead_submits() -> None:
    with pytest.raises(MoveRefused) as refused:
        workflow.check("submit", S.IN_PROGRESS, team_role=TeamRole.AUDITOR)
    assert refused.value.code == "not_allowed"


def test_reviewers_and_decision_makers_are_never_on_the_team() -> None:
    with pytest.raises(MoveRefused) as refused:
        workflow.check("accept", S.SUBMITTED, roles={Role.REVIEWER}, team_role=TeamRole.AUDITOR)
    assert refused.value.code == "on_team" and "17021-1" in refused.value.message
    with pytest.raises(MoveRefused):
        workflow.check(
            "decide", S.ACCEPTED, roles={Role.DECISION_MAKER}, team_role=TeamRole.TECHNICAL_EXPERT
        )
    with pytest.raises(MoveRefused) as planner:
        workflow.check("accept", S.SUBMITTED, roles={Role.PLANNER})
    assert planner.value.code == "not_allowed"


def test_a_move_from_the_wrong_status_says_so() -> None:
    with pytest.raises(MoveRefused) as refused:
        workflow.check("accept", S.RETURNED, roles={Role.REVIEWER})
    assert refused.value.code == "wrong_status"
    assert refused.value.message == "An audit that is returned to the team cannot accept it now."


def test_content_is_locked_from_submission_while_queries_and_corrective_actions_stay_open() -> None:
    assert [s for s in S if workflow.content_locked(s)] == [
        S.SUBMITTED,
        S.ACCEPTED,
        S.REPORT_RELEASED,
        S.DECIDED,
    ]
    assert workflow.is_open(S.SUBMITTED, Part.QUERIES)
    assert workflow.is_open(S.RETURNED, Part.QUERIES)
    assert not workflow.is_open(S.ACCEPTED, Part.QUERIES)
    assert workflow.is_open(S.REPORT_RELEASED, Part.CORRECTIVE_ACTIONS)
    assert workflow.is_open(S.DECIDED, Part.CORRECTIVE_ACTIONS)
    assert not workflow.is_open(S.REPORT_RELEASED, Part.CONTENT)


STATUS_WORDS = re.compile(
    r"""["'](planned|in_progress|submitted|returned|accepted|report_released|decided)["']"""
)
# Where a status may be spelled: the enum, the workflow, the column's default (a new audit is
# planned) and the migrations (which must not import the models).
ALLOWED = {
    "auditkit/models/enums.py",
    "auditkit/models/audits.py",
    "auditkit/workflow.py",
}


def test_no_status_is_spelled_outside_the_workflow() -> None:
    found = []
    for path in [
        *ROOT.glob("auditkit/**/*.py"),
        *ROOT.glob("sync/**/*.py"),
        *ROOT.glob("templates/**/*.html"),
    ]:
        relative = str(path.relative_to(ROOT))
        if relative in ALLOWED or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if STATUS_WORDS.search(line) or "AuditStatus." in line:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_a_released_report_can_be_returned_for_a_new_round_until_the_decision() -> None:
    reviewer = {"roles": {Role.REVIEWER}}
    assert workflow.check("return", S.REPORT_RELEASED, **reviewer).target == S.RETURNED
    with pytest.raises(workflow.MoveRefused):
        workflow.check("return", S.DECIDED, **reviewer)
    with pytest.raises(workflow.MoveRefused):
        workflow.check("return", S.ACCEPTED, **reviewer)
