"""Integrated audits: shared clauses appear once, standard-specific clauses sit in their place."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from auditkit.checklists import (
    Checklist,
    IntegratedNode,
    IntegratedTree,
    clause_references,
    integrate,
    load_all,
    make_item_key,
    parse_checklist,
    shipped_checklists_dir,
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


def internal_audit(checklist_id: str, *paragraphs: dict[str, Any]) -> Checklist:
    """Clause 9 with an auditable 9.2 whose untitled paragraphs are `paragraphs`."""
    audit = clause("9.2", "Internal audit", "performance.internal-audit", questions=1)
    audit["children"] = list(paragraphs)
    return checklist(checklist_id, clause("9", "Performance evaluation", "performance", audit))


def untitled(number: str, hs: str | None = None) -> dict[str, Any]:
    return {"number": number, "untitled": True, **({"hs": hs} if hs else {})}


def test_untitled_paragraph_is_a_citation_only_node_labelled_by_its_number() -> None:
    tree = integrate([internal_audit("iso9001-2015", untitled("9.2.1"), untitled("9.2.2"))])
    paragraph = tree.find("iso9001-2015", "9.2.2")
    assert (paragraph.label, paragraph.title, paragraph.citation_only) == ("9.2.2", "", True)
    assert paragraph.refs[0].untitled and paragraph.refs[0].label == "9.2.2"
    assert clause_references(paragraph) == [("iso9001-2015", "9.2.2")]
    parent = tree.find("iso9001-2015", "9.2")
    assert parent.label == "9.2 Internal audit" and not parent.citation_only
    assert not tree.find("iso9001-2015", "9").citation_only  # no questions, but children


def test_label_has_no_stray_space_when_every_standard_leaves_the_paragraph_untitled() -> None:
    key = "performance.internal-audit.programme"
    tree = integrate(
        [
            internal_audit("iso9001-2015", untitled("9.2.2", key)),
            internal_audit("iso9999-2015", untitled("9.2.2", key)),
        ]
    )
    paragraph = tree.find("iso9999-2015", "9.2.2")
    assert paragraph is tree.find("iso9001-2015", "9.2.2")
    assert (paragraph.label, paragraph.title) == ("9.2.2", "")
    assert paragraph.shared and paragraph.citation_only


# The shipped checklists: the harmonized-structure sub-clauses line up across the standards.

MS_IDS = ("iso9001-2015", "iso14001-2015", "iso45001-2018", "iso27001-2022")


@pytest.fixture(scope="module")
def shipped() -> dict[str, Checklist]:
    return {c.id: c for c in load_all(shipped_checklists_dir())}


@pytest.fixture(scope="module")
def shipped_tree(shipped: dict[str, Checklist]) -> IntegratedTree:
    return integrate([shipped[checklist_id] for checklist_id in MS_IDS])


def merged(tree: IntegratedTree, numbers: dict[str, str]) -> IntegratedNode:
    """The one node holding each standard's clause `numbers`; fails if they sit on several."""
    holding = [
        node
        for node in tree.iter_nodes()
        if any(node.numbers.get(cid) == number for cid, number in numbers.items())
    ]
    assert len(holding) == 1, [node.label for node in holding]
    assert holding[0].numbers == numbers
    return holding[0]


def item_keys(node: IntegratedNode) -> dict[str, list[str]]:
    return {g.checklist_id: [q.item_key for q in g.questions] for g in node.question_groups}


def shipped_item_keys(
    shipped: dict[str, Checklist], numbers: dict[str, str]
) -> dict[str, list[str]]:
    """Per standard, the item keys of its questions at that clause, as its own file has them."""
    keys = {}
    for checklist_id, number in numbers.items():
        found = shipped[checklist_id].clause(number)
        assert found is not None, (checklist_id, number)
        if found.questions:
            keys[checklist_id] = [make_item_key(checklist_id, q.id) for q in found.questions]
    return keys


def test_monitoring_general_merges_across_9001_14001_45001(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree
) -> None:
    numbers = {"iso9001-2015": "9.1.1", "iso14001-2015": "9.1.1", "iso45001-2018": "9.1.1"}
    node = merged(shipped_tree, numbers)
    assert node.label == "9.1.1 General" and node.hs == "performance.monitoring.general"
    assert list(item_keys(node)) == list(numbers)
    assert item_keys(node) == shipped_item_keys(shipped, numbers)


def test_evaluation_of_compliance_merges_14001_45001_but_not_9001_customer_satisfaction(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree
) -> None:
    numbers = {"iso14001-2015": "9.1.2", "iso45001-2018": "9.1.2"}
    node = merged(shipped_tree, numbers)
    assert node.label == "9.1.2 Evaluation of compliance"
    assert item_keys(node) == shipped_item_keys(shipped, numbers) and len(item_keys(node)) == 2
    satisfaction = merged(shipped_tree, {"iso9001-2015": "9.1.2"})
    assert satisfaction.label == "9.1.2 Customer satisfaction" and not satisfaction.shared
    assert item_keys(satisfaction) == shipped_item_keys(shipped, {"iso9001-2015": "9.1.2"})


@pytest.mark.parametrize(
    ("number", "label"),
    [("9.2.1", "9.2.1 General"), ("9.2.2", "9.2.2 Internal audit programme")],
    ids=["general", "programme"],
)
def test_internal_audit_general_and_programme_merge_across_9001_14001_45001_27001(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree, number: str, label: str
) -> None:
    numbers = dict.fromkeys(MS_IDS, number)
    node = merged(shipped_tree, numbers)
    assert node.label == label and not node.citation_only
    assert [ref.untitled for ref in node.refs] == [True, False, False, False]  # 9001: untitled
    assert list(item_keys(node)) == ["iso14001-2015", "iso45001-2018", "iso27001-2022"]
    assert item_keys(node) == shipped_item_keys(shipped, numbers)
    # ISO 9001 asks its internal audit questions on 9.2, the shared parent of the paragraphs.
    parent = merged(shipped_tree, dict.fromkeys(MS_IDS, "9.2"))
    assert number in [child.numbers["iso9001-2015"] for child in parent.children]
    assert list(item_keys(parent)) == ["iso9001-2015"]
    assert item_keys(parent) == shipped_item_keys(shipped, {"iso9001-2015": "9.2"})


@pytest.mark.parametrize(
    ("number", "label"),
    [
        ("9.3.1", "9.3.1 General"),
        ("9.3.2", "9.3.2 Management review inputs"),
        ("9.3.3", "9.3.3 Management review outputs"),
    ],
    ids=["general", "inputs", "outputs"],
)
def test_management_review_subclauses_merge_across_9001_and_27001(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree, number: str, label: str
) -> None:
    numbers = {"iso9001-2015": number, "iso27001-2022": number}
    node = merged(shipped_tree, numbers)
    assert node.label == label
    assert item_keys(node) == shipped_item_keys(shipped, numbers) and len(item_keys(node)) == 2
    review = merged(shipped_tree, dict.fromkeys(MS_IDS, "9.3"))
    assert node in review.children  # 14001 and 45001 ask their questions on 9.3 itself
    assert list(item_keys(review)) == ["iso14001-2015", "iso45001-2018"]


@pytest.mark.parametrize(
    ("number", "label"),
    [
        ("7.4.1", "7.4.1 General"),
        ("7.4.2", "7.4.2 Internal communication"),
        ("7.4.3", "7.4.3 External communication"),
    ],
    ids=["general", "internal", "external"],
)
def test_communication_subclauses_merge_across_14001_45001(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree, number: str, label: str
) -> None:
    numbers = {"iso14001-2015": number, "iso45001-2018": number}
    node = merged(shipped_tree, numbers)
    assert node.label == label
    assert item_keys(node) == shipped_item_keys(shipped, numbers) and len(item_keys(node)) == 2
    communication = merged(shipped_tree, dict.fromkeys(MS_IDS, "7.4"))
    assert node in communication.children


def test_emergency_preparedness_merges_14001_45001_but_not_9001_requirements(
    shipped: dict[str, Checklist], shipped_tree: IntegratedTree
) -> None:
    numbers = {"iso14001-2015": "8.2", "iso45001-2018": "8.2"}
    node = merged(shipped_tree, numbers)
    assert node.label == "8.2 Emergency preparedness and response"
    assert node.hs == "operation.emergency"
    assert item_keys(node) == shipped_item_keys(shipped, numbers) and len(item_keys(node)) == 2
    requirements = merged(shipped_tree, {"iso9001-2015": "8.2"})
    assert requirements.label == "8.2 Requirements for products and services"
    risk_assessment = merged(shipped_tree, {"iso27001-2022": "8.2"})
    assert risk_assessment.label == "8.2 Information security risk assessment"


UNTITLED_9001 = [
    "4.4.1", "4.4.2", "6.1.1", "6.1.2", "6.2.1", "6.2.2", "7.5.3.1", "7.5.3.2",
    "8.2.3.1", "8.2.3.2", "8.7.1", "8.7.2", "9.2.1", "9.2.2", "10.2.1", "10.2.2",
]  # fmt: skip


def test_untitled_9001_paragraphs_are_the_citation_only_nodes_of_a_9001_audit(
    shipped: dict[str, Checklist],
) -> None:
    tree = integrate([shipped["iso9001-2015"]])
    citation_only = [node for node in tree.iter_nodes() if node.citation_only]
    assert [node.label for node in citation_only] == UNTITLED_9001
    assert [c.number for c in shipped["iso9001-2015"].iter_clauses() if c.untitled] == UNTITLED_9001


def test_in_an_integrated_audit_only_paragraphs_nobody_asks_about_stay_citation_only(
    shipped_tree: IntegratedTree,
) -> None:
    citation_only = [node.label for node in shipped_tree.iter_nodes() if node.citation_only]
    assert citation_only == [n for n in UNTITLED_9001 if n not in ("9.2.1", "9.2.2")]
    assert not any(node.label.endswith(" ") for node in shipped_tree.iter_nodes())
