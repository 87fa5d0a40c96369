"""Integrated audits: shared clauses appear once, standard-specific clauses sit in their place."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from auditkit.checklists import (
    Checklist,
    IntegratedTree,
    clause_references,
    integrate,
    parse_checklist,
)


def clause(
    number: str, title: str, hs: str | None = None, *children: dict[str, Any], questions: int = 0
) -> dict[str, Any]:
    """A clause as it is written in a checklist file, with `questions` generated questions."""
    data: dict[str, Any] = {"number": number, "title": title}
    if hs:
        data["hs"] = hs
    if questions:
        data["auditable"] = True
        data["questions"] = [
            {
                "id": f"{number}/{i}",
                "text": f"Question {i}?",
                "guidance": "Probe.",
                "evidence": ["record"],
            }
            for i in range(1, questions + 1)
        ]
    if children:
        data["children"] = list(children)
    return data


def checklist(checklist_id: str, *clauses: dict[str, Any]) -> Checklist:
    """A checklist built through the loader, from YAML text like a shipped file."""
    data = {
        "id": checklist_id,
        "standard": checklist_id.split("-")[0].upper(),
        "edition": checklist_id.split("-")[1],
        "title": "Test standard",
        "language": "en",
        "version": "1.0.0",
        "clauses": list(clauses),
    }
    return parse_checklist(yaml.safe_dump(data, sort_keys=False), f"{checklist_id}.yaml")


def context() -> dict[str, Any]:
    return clause(
        "4",
        "Context",
        "context",
        clause("4.1", "Context of the organization", "context.organization", questions=1),
    )


def support() -> dict[str, Any]:
    return clause(
        "7", "Support", "support", clause("7.2", "Competence", "support.competence", questions=2)
    )


def improvement_2015() -> dict[str, Any]:
    return clause(
        "10",
        "Improvement",
        "improvement",
        clause("10.1", "General", "improvement.general", questions=1),
        clause(
            "10.2", "Nonconformity and corrective action", "improvement.nonconformity", questions=1
        ),
        clause("10.3", "Continual improvement", "improvement.continual", questions=1),
    )


def operation(*specific: dict[str, Any]) -> dict[str, Any]:
    return clause(
        "8",
        "Operation",
        "operation",
        clause(
            "8.1", "Operational planning and control", "operation.planning-control", questions=1
        ),
        *specific,
    )


def leadership(*specific: dict[str, Any]) -> dict[str, Any]:
    return clause(
        "5",
        "Leadership",
        "leadership",
        clause("5.1", "Leadership and commitment", "leadership.commitment", questions=1),
        clause("5.3", "Roles", "leadership.roles", questions=1),
        *specific,
    )


@pytest.fixture
def iso9001() -> Checklist:
    requirements = clause("8.2", "Requirements for products and services", questions=1)
    return checklist(
        "iso9001-2015",
        context(),
        leadership(),
        support(),
        operation(requirements),
        improvement_2015(),
    )


@pytest.fixture
def iso14001() -> Checklist:
    emergency = clause("8.2", "Emergency preparedness and response", questions=1)
    return checklist(
        "iso14001-2015",
        context(),
        leadership(),
        support(),
        operation(emergency),
        improvement_2015(),
    )


@pytest.fixture
def iso45001() -> Checklist:
    workers = clause("5.4", "Consultation and participation of workers", questions=1)
    emergency = clause("8.2", "Emergency preparedness and response", questions=1)
    return checklist(
        "iso45001-2018",
        context(),
        leadership(workers),
        support(),
        operation(emergency),
        improvement_2015(),
    )


@pytest.fixture
def iso27001() -> Checklist:
    improvement = clause(
        "10",
        "Improvement",
        "improvement",
        clause("10.1", "Continual improvement", "improvement.continual", questions=1),
        clause(
            "10.2", "Nonconformity and corrective action", "improvement.nonconformity", questions=1
        ),
    )
    annex = clause(
        "A",
        "Annex A",
        None,
        clause("A.5", "Organizational controls", None, clause("A.5.1", "Policies", questions=1)),
    )
    return checklist(
        "iso27001-2022", context(), leadership(), support(), operation(), improvement, annex
    )


def outline(tree: IntegratedTree) -> list[str]:
    """Each node as `label [checklist:number, ...]`, depth-first."""
    lines = []
    for node in tree.iter_nodes():
        refs = ", ".join(f"{cid.split('-')[0]}:{num}" for cid, num in clause_references(node))
        lines.append(f"{node.label} [{refs}]")
    return lines


def test_shared_clauses_appear_once_with_each_standards_questions(
    iso9001: Checklist, iso14001: Checklist, iso45001: Checklist
) -> None:
    tree = integrate([iso9001, iso14001, iso45001])
    competence = tree.find("iso14001-2015", "7.2")
    assert competence is tree.find("iso9001-2015", "7.2") is tree.find("iso45001-2018", "7.2")
    assert [n.label for n in tree.iter_nodes()].count("7.2 Competence") == 1
    assert competence.shared and competence.hs == "support.competence"
    assert [
        (g.checklist_id, [q.item_key for q in g.questions]) for g in competence.question_groups
    ] == [
        ("iso9001-2015", ["iso9001-2015:7.2/1", "iso9001-2015:7.2/2"]),
        ("iso14001-2015", ["iso14001-2015:7.2/1", "iso14001-2015:7.2/2"]),
        ("iso45001-2018", ["iso45001-2018:7.2/1", "iso45001-2018:7.2/2"]),
    ]


def test_one_finding_can_reference_the_clause_in_every_standard(
    iso9001: Checklist, iso14001: Checklist, iso45001: Checklist
) -> None:
    tree = integrate([iso9001, iso14001, iso45001])
    assert clause_references(tree.find("iso9001-2015", "7.2")) == [
        ("iso9001-2015", "7.2"),
        ("iso14001-2015", "7.2"),
        ("iso45001-2018", "7.2"),
    ]


def test_merge_order_follows_the_first_checklist_and_inserts_specific_clauses_in_place(
    iso9001: Checklist, iso14001: Checklist, iso45001: Checklist
) -> None:
    tree = integrate([iso9001, iso14001, iso45001])
    assert outline(tree) == [
        "4 Context [iso9001:4, iso14001:4, iso45001:4]",
        "4.1 Context of the organization [iso9001:4.1, iso14001:4.1, iso45001:4.1]",
        "5 Leadership [iso9001:5, iso14001:5, iso45001:5]",
        "5.1 Leadership and commitment [iso9001:5.1, iso14001:5.1, iso45001:5.1]",
        "5.3 Roles [iso9001:5.3, iso14001:5.3, iso45001:5.3]",
        "5.4 Consultation and participation of workers [iso45001:5.4]",
        "7 Support [iso9001:7, iso14001:7, iso45001:7]",
        "7.2 Competence [iso9001:7.2, iso14001:7.2, iso45001:7.2]",
        "8 Operation [iso9001:8, iso14001:8, iso45001:8]",
        "8.1 Operational planning and control [iso9001:8.1, iso14001:8.1, iso45001:8.1]",
        "8.2 Emergency preparedness and response [iso14001:8.2]",
        "8.2 Emergency preparedness and response [iso45001:8.2]",
        "8.2 Requirements for products and services [iso9001:8.2]",
        "10 Improvement [iso9001:10, iso14001:10, iso45001:10]",
        "10.1 General [iso9001:10.1, iso14001:10.1, iso45001:10.1]",
        "10.2 Nonconformity and corrective action [iso9001:10.2, iso14001:10.2, iso45001:10.2]",
        "10.3 Continual improvement [iso9001:10.3, iso14001:10.3, iso45001:10.3]",
    ]


def test_hs_key_lines_up_clauses_with_different_numbers_and_annex_a_goes_after_clause_10(
    iso9001: Checklist, iso27001: Checklist
) -> None:
    tree = integrate([iso9001, iso27001])
    assert [node.label for node in tree.nodes] == [
        "4 Context",
        "5 Leadership",
        "7 Support",
        "8 Operation",
        "10 Improvement",
        "A Annex A",
    ]
    continual = tree.find("iso27001-2022", "10.1")
    assert continual is tree.find("iso9001-2015", "10.3")
    assert continual.numbers == {"iso9001-2015": "10.3", "iso27001-2022": "10.1"}
    assert continual.label == "10.3 / 10.1 Continual improvement"
    assert [n.label for n in tree.nodes[-2].children] == [
        "10.1 General",
        "10.2 Nonconformity and corrective action",
        "10.3 / 10.1 Continual improvement",
    ]
    assert [q.item_key for q in tree.find("iso27001-2022", "A.5.1").iter_questions()] == [
        "iso27001-2022:A.5.1/1"
    ]


def test_a_single_checklist_integrates_to_its_own_tree(iso45001: Checklist) -> None:
    tree = integrate([iso45001])
    nodes = list(tree.iter_nodes())
    clauses = list(iso45001.iter_clauses())
    assert [n.numbers for n in nodes] == [{"iso45001-2018": c.number} for c in clauses]
    assert [n.title for n in nodes] == [c.title for c in clauses]
    assert [q.question for q in tree.iter_questions()] == [q for _, q in iso45001.iter_items()]
    assert not any(n.shared for n in nodes)


def test_integration_is_deterministic(
    iso9001: Checklist, iso14001: Checklist, iso45001: Checklist
) -> None:
    first = integrate([iso9001, iso14001, iso45001])
    again = integrate([iso9001, iso14001, iso45001])
    assert first == again
    assert repr(first) == repr(again)


def test_every_question_appears_exactly_once(
    iso9001: Checklist, iso14001: Checklist, iso27001: Checklist
) -> None:
    tree = integrate([iso9001, iso14001, iso27001])
    keys = [q.item_key for q in tree.iter_questions()]
    expected = [c.item_key(q) for c in (iso9001, iso14001, iso27001) for _, q in c.iter_items()]
    assert sorted(keys) == sorted(expected)
    assert len(set(keys)) == len(keys)


def test_the_same_checklist_twice_is_refused(iso9001: Checklist) -> None:
    with pytest.raises(ValueError, match="iso9001-2015"):
        integrate([iso9001, iso9001])
