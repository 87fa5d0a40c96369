"""The loader: valid files become Checklists, broken files give every `path:line:` error at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from auditkit.checklists import (
    ChecklistInvalid,
    load_all,
    load_checklist,
    parse_checklist,
    shipped_checklists_dir,
    validate_paths,
)

# A valid management-system checklist. Line numbers matter to the tests below:
# 8 clause 4, 12 clause 4.1, 17/21 questions 4.1/1 and 4.1/2, 25 clause 7, 29 clause 7.2,
# 31 its hs, 34 question 7.2/1.
VALID = """\
id: demo-2015
standard: ISO 9999
edition: "2015"
title: Demo management systems
language: en
version: "1.0.0"
clauses:
  - number: "4"
    title: Context of the organization
    hs: context
    children:
      - number: "4.1"
        title: Understanding the organization and its context
        hs: context.organization
        auditable: true
        questions:
          - id: "4.1/1"
            text: How were the issues found?
            guidance: Look for a method.
            evidence: [issues register]
          - id: "4.1/2"
            text: When were they last reviewed?
            guidance: Look for a date.
            evidence: [minutes]
  - number: "7"
    title: Support
    hs: support
    children:
      - number: "7.2"
        title: Competence
        hs: support.competence
        auditable: true
        questions:
          - id: "7.2/1"
            text: How is competence determined?
            guidance: Sample two people.
            evidence: [training records]
"""

# A valid VCA checklist: 8 level_mapping, 10-14 level star1, 15-19 level star2, 29 and 34 the
# questions' levels.
VALID_VCA = """\
id: scheme-2017
kind: vca
standard: VCA
edition: "2017/6.0"
title: Demo scheme
language: en
version: "1.0.0"
level_mapping: confirmed
levels:
  - key: star1
    name: "VCA*"
    must: 1
    supplementary: 1
    supplementary_min: 1
  - key: star2
    name: "VCA**"
    must: 2
    supplementary: 0
    supplementary_min: 0
clauses:
  - number: "1"
    title: Policy
    auditable: true
    questions:
      - id: "1.1"
        text: Is there a policy?
        guidance: Check the signature.
        evidence: [policy statement]
        levels: {star1: must, star2: must}
      - id: "1.2"
        text: Is it known on site?
        guidance: Ask workers.
        evidence: [interviews]
        levels: {star1: supplementary, star2: must}
"""


def _write(tmp_path: Path, text: str, name: str = "demo-2015.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _broken(base: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert old in base, old
        base = base.replace(old, new, 1)
    return base


def _errors(path: Path) -> list[str]:
    with pytest.raises(ChecklistInvalid) as caught:
        load_checklist(path)
    return [str(error) for error in caught.value.errors]


def test_valid_file_loads_with_tree_counts_and_item_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    checklist = load_checklist(path)
    assert (checklist.id, checklist.kind, checklist.edition) == (
        "demo-2015",
        "management-system",
        "2015",
    )
    assert [c.number for c in checklist.iter_clauses()] == ["4", "4.1", "7", "7.2"]
    assert [checklist.item_key(q) for _, q in checklist.iter_items()] == [
        "demo-2015:4.1/1",
        "demo-2015:4.1/2",
        "demo-2015:7.2/1",
    ]
    counts = checklist.counts()
    assert (counts.clauses, counts.auditable, counts.questions) == (4, 2, 3)
    assert checklist.clause("7.2").hs == "support.competence"
    assert checklist.clause("7.2").line == 29
    assert checklist.question("4.1/2").evidence == ("minutes",)
    assert checklist.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert checklist.raw_text == VALID
    assert hash(checklist) == hash(load_checklist(path))  # frozen and hashable, e.g. as a cache key


def test_parse_checklist_recreates_the_same_checklist_from_pinned_text(tmp_path: Path) -> None:
    loaded = load_checklist(_write(tmp_path, VALID))
    pinned = parse_checklist(loaded.raw_text, "audit 12: pinned demo-2015")
    assert pinned.clauses == loaded.clauses
    assert pinned.content_hash == loaded.content_hash


def test_vca_file_loads_levels_and_flags(tmp_path: Path) -> None:
    checklist = load_checklist(_write(tmp_path, VALID_VCA, "scheme-2017.yaml"))
    assert checklist.is_vca
    assert [
        (lv.key, lv.must, lv.supplementary, lv.supplementary_min) for lv in checklist.levels
    ] == [
        ("star1", 1, 1, 1),
        ("star2", 2, 0, 0),
    ]
    assert dict(checklist.question("1.2").levels) == {"star1": "supplementary", "star2": "must"}
    assert checklist.level_mapping_confirmed


def test_vca_level_mapping_can_be_unconfirmed(tmp_path: Path) -> None:
    text = _broken(VALID_VCA, ("level_mapping: confirmed", "level_mapping: unconfirmed"))
    checklist = load_checklist(_write(tmp_path, text, "scheme-2017.yaml"))
    assert not checklist.level_mapping_confirmed


def test_level_mapping_is_only_for_vca(tmp_path: Path) -> None:
    path = _write(tmp_path, _broken(VALID, ("clauses:\n", "level_mapping: confirmed\nclauses:\n")))
    assert _errors(path) == [
        f"{path}:7: checklist: 'level_mapping' is only for VCA checklists (kind: vca)"
    ]


# VALID with two untitled paragraphs under the auditable 7.2: 39 clause 7.2.1, 41 clause 7.2.2;
# 42 is the last line.
UNTITLED = (
    VALID
    + """\
        children:
          - number: "7.2.1"
            untitled: true
          - number: "7.2.2"
            untitled: true
"""
)


def test_untitled_paragraphs_are_citable_clauses_without_title_or_questions(
    tmp_path: Path,
) -> None:
    checklist = load_checklist(_write(tmp_path, UNTITLED))
    paragraph = checklist.clause("7.2.2")
    assert paragraph is not None and paragraph.line == 41
    assert (paragraph.untitled, paragraph.title, paragraph.label) == (True, "", "7.2.2")
    assert not paragraph.auditable and paragraph.questions == () and paragraph.children == ()
    assert [c.number for c in checklist.clause("7.2").children] == ["7.2.1", "7.2.2"]
    assert checklist.clause("7.2").label == "7.2 Competence"
    assert not checklist.clause("7.2").untitled
    counts = checklist.counts()
    assert (counts.clauses, counts.auditable, counts.questions) == (6, 2, 3)


BROKEN_UNTITLED = [
    pytest.param(
        [
            (
                '"7.2.1"\n            untitled: true',
                '"7.2.1"\n            untitled: true\n            title: General',
            )
        ],
        41,
        "clause 7.2.1: an untitled clause has no 'title' (never invent one for a paragraph the "
        "standard leaves untitled)",
        id="title",
    ),
    pytest.param(
        [
            (
                '"7.2.1"\n            untitled: true',
                '"7.2.1"\n            untitled: true\n            auditable: true',
            )
        ],
        41,
        "clause 7.2.1: an untitled clause is not auditable: its parent clause carries the "
        "questions",
        id="auditable",
    ),
    pytest.param(
        [
            (
                '"7.2.1"\n            untitled: true',
                '"7.2.1"\n            untitled: true\n            questions:\n'
                '              - {id: "7.2.1/1", text: Asked?, guidance: Probe., evidence: [x]}',
            )
        ],
        41,
        "clause 7.2.1: an untitled clause has no questions: put them on its parent clause",
        id="questions",
    ),
    pytest.param(
        [
            (
                '"7.2.1"\n            untitled: true',
                '"7.2.1"\n            untitled: true\n            children:\n'
                '              - {number: "7.2.1.1", title: Deeper}',
            )
        ],
        41,
        "clause 7.2.1: an untitled clause has no children",
        id="children",
    ),
    pytest.param(
        [('  - number: "7"\n', '      - number: "4.2"\n        untitled: true\n  - number: "7"\n')],
        25,
        "clause 4.2: an untitled clause belongs under an auditable clause, but its parent 4 is not "
        "auditable",
        id="parent-not-auditable",
    ),
    pytest.param(
        [
            (
                '"7.2.2"\n            untitled: true\n',
                '"7.2.2"\n            untitled: true\n  - number: "8"\n    untitled: true\n',
            )
        ],
        43,
        "clause 8: a top-level clause cannot be untitled (use 'title')",
        id="top-level",
    ),
]


@pytest.mark.parametrize(("edits", "line", "message"), BROKEN_UNTITLED)
def test_broken_untitled_paragraph_gives_one_error(
    tmp_path: Path, edits: list[tuple[str, str]], line: int, message: str
) -> None:
    path = _write(tmp_path, _broken(UNTITLED, *edits))
    assert _errors(path) == [f"{path}:{line}: {message}"]


BROKEN_MANAGEMENT_SYSTEM = [
    pytest.param(
        [("    title: Support", "      title: Support")],
        26,
        "invalid YAML",
        id="bad-indentation",
    ),
    pytest.param(
        [("evidence: [minutes]", "evidence: [minutes")],
        25,
        "invalid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        [('id: "4.1/2"', 'id: "4.1/1"')],
        21,
        "question 4.1/1: duplicate question id (first at line 17)",
        id="duplicate-question-id",
    ),
    pytest.param(
        [("        title: Competence\n", "")],
        29,
        "clause 7.2: missing required key 'title'",
        id="missing-title",
    ),
    pytest.param(
        [('"7.2"', '"8.2"'), ('"7.2/1"', '"8.2/1"')],
        29,
        "clause 8.2: numbered outside its parent 7 (expected '7.<n>')",
        id="child-outside-parent",
    ),
    pytest.param(
        [("hs: support.competence", "hs: support.skills")],
        31,
        "clause 7.2: unknown hs key 'support.skills'",
        id="unknown-hs-key",
    ),
    pytest.param(
        [("    hs: context\n", "    hs: context\n    auditable: true\n")],
        8,
        "clause 4: auditable clause without questions",
        id="auditable-without-questions",
    ),
    pytest.param(
        [
            (
                "        hs: support.competence\n        auditable: true\n",
                "        hs: support.competence\n",
            )
        ],
        29,
        "clause 7.2: has questions but is not auditable",
        id="questions-without-auditable",
    ),
    pytest.param(
        [('number: "4.1"', "number: 4.1")],
        12,
        "clause 4.1: 'number' must be text, found '4.1'; quote it",
        id="unquoted-number",
    ),
    pytest.param(
        [("        title: Competence\n", "        title: Competence\n        title: Skills\n")],
        31,
        "clause 7.2: duplicate key 'title' (first at line 30)",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        [('id: "7.2/1"', 'id: "7.3/1"')],
        34,
        "question 7.3/1: the id must be its clause number, '/' and a counter (e.g. '7.2/1')",
        id="question-id-outside-clause",
    ),
    pytest.param(
        [("hs: support.competence", "hs: context.scope")],
        31,
        "clause 7.2: hs key 'context.scope' belongs under the clause with hs 'context', "
        "but its parent has hs 'support'",
        id="hs-key-under-wrong-parent",
    ),
    pytest.param(
        [("hs: support.competence", "hs: support")],
        31,
        "clause 7.2: hs key 'support' is used twice (first at line 27)",
        id="hs-key-twice",
    ),
    pytest.param(
        [('"7"', '"3"'), ('"7.2"', '"3.2"'), ('"7.2/1"', '"3.2/1"')],
        25,
        "clause 3: comes after 4; list clauses in the standard's order",
        id="clauses-out-of-order",
    ),
    pytest.param(
        [("clauses:\n", "levels: []\nclauses:\n")],
        7,
        "checklist: 'levels' is only for VCA checklists (kind: vca)",
        id="levels-outside-vca",
    ),
    pytest.param(
        [('version: "1.0.0"', "version: '1.0'")],
        6,
        "checklist: 'version' '1.0' is not valid: use MAJOR.MINOR.PATCH",
        id="bad-version",
    ),
]


@pytest.mark.parametrize(("edits", "line", "message"), BROKEN_MANAGEMENT_SYSTEM)
def test_broken_file_reports_path_line_and_message(
    tmp_path: Path, edits: list[tuple[str, str]], line: int, message: str
) -> None:
    path = _write(tmp_path, _broken(VALID, *edits))
    errors = _errors(path)
    assert any(e.startswith(f"{path}:{line}: {message}") for e in errors), errors


BROKEN_VCA = [
    pytest.param(
        [("{star1: supplementary, star2: must}", "{star1: optional, star2: must}")],
        34,
        "question 1.2: level 'star1' has unknown flag 'optional': use must, supplementary, none",
        id="unknown-level-flag",
    ),
    pytest.param(
        [("must: 2", "must: 3")],
        17,
        "level star2: 'must' is 3 but 2 questions are flagged must",
        id="must-count-mismatch",
    ),
    pytest.param(
        [
            ("supplementary: 1\n", "supplementary: 0\n"),
            ("supplementary_min: 1", "supplementary_min: 0"),
        ],
        13,
        "level star1: 'supplementary' is 0 but 1 questions are flagged supplementary",
        id="supplementary-count-mismatch",
    ),
    pytest.param(
        [("supplementary_min: 1", "supplementary_min: 2")],
        14,
        "level star1: supplementary_min (2) is more than supplementary (1)",
        id="threshold-above-supplementary",
    ),
    pytest.param(
        [("{star1: must, star2: must}", "{star1: must, star3: must}")],
        29,
        "question 1.1: levels: unknown key 'star3'",
        id="unknown-level-key",
    ),
    pytest.param(
        [('id: "1.1"', 'id: "1/1"')],
        25,
        "question 1/1: the id must be its clause number, '.' and a counter (e.g. '1.1')",
        id="vca-question-id",
    ),
    pytest.param(
        [("level_mapping: confirmed\n", "")],
        1,
        "checklist: missing required key 'level_mapping'",
        id="level-mapping-missing",
    ),
    pytest.param(
        [("level_mapping: confirmed", "level_mapping: checked")],
        8,
        "checklist: 'level_mapping' must be confirmed or unconfirmed, found 'checked'",
        id="level-mapping-unknown",
    ),
]


@pytest.mark.parametrize(("edits", "line", "message"), BROKEN_VCA)
def test_broken_vca_file_reports_path_line_and_message(
    tmp_path: Path, edits: list[tuple[str, str]], line: int, message: str
) -> None:
    path = _write(tmp_path, _broken(VALID_VCA, *edits), "scheme-2017.yaml")
    errors = _errors(path)
    assert any(e.startswith(f"{path}:{line}: {message}") for e in errors), errors


def test_unknown_flag_does_not_also_report_level_counts(tmp_path: Path) -> None:
    broken = _broken(
        VALID_VCA, ("{star1: supplementary, star2: must}", "{star1: optional, star2: must}")
    )
    errors = _errors(_write(tmp_path, broken, "scheme-2017.yaml"))
    assert len(errors) == 1, errors


def test_id_must_equal_the_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID, "other-2015.yaml")
    assert _errors(path) == [
        f"{path}:1: checklist: id 'demo-2015' does not match the file name (expected 'other-2015')"
    ]


def test_all_errors_of_a_file_are_reported_at_once_in_line_order(tmp_path: Path) -> None:
    broken = _broken(
        VALID,
        ("title: Demo management systems", "titel: Demo management systems"),
        ('id: "4.1/2"', 'id: "4.1/1"'),
        ("hs: support.competence", "hs: support.competense"),
    )
    path = _write(tmp_path, broken)
    assert _errors(path) == [
        f"{path}:1: checklist: missing required key 'title'",
        f"{path}:4: checklist: unknown key 'titel'; did you mean 'title'?",
        f"{path}:21: question 4.1/1: duplicate question id (first at line 17)",
        f"{path}:31: clause 7.2: unknown hs key 'support.competense'; did you mean "
        "'support.competence'?",
    ]


def test_typo_in_a_question_key_is_reported_not_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, _broken(VALID, ("guidance: Sample", "guidence: Sample")))
    assert _errors(path) == [
        f"{path}:34: question 7.2/1: missing required key 'guidance'",
        f"{path}:36: question 7.2/1: unknown key 'guidence'; did you mean 'guidance'?",
    ]


def test_na_allowed_is_only_for_vca(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _broken(
            VALID, ("evidence: [minutes]", "evidence: [minutes]\n            na_allowed: true")
        ),
    )
    assert _errors(path) == [f"{path}:25: question 4.1/2: 'na_allowed' is only for VCA checklists"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"id: caf\xe9\n", "the file is not UTF-8 text", id="not-utf8"),
        pytest.param(
            b"- just\n- a list\n", "checklist: expected a mapping of keys, found a list", id="list"
        ),
        pytest.param(b"id: a\n---\nid: b\n", "invalid YAML", id="two-documents"),
        pytest.param(b"a: &x [1]\nb: *x\n", "aliases (*name) are not allowed", id="alias"),
    ],
)
def test_unreadable_content_gives_one_error_on_line_one_or_two(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "demo-2015.yaml"
    path.write_bytes(content)
    errors = _errors(path)
    assert len(errors) == 1 and message in errors[0], errors
    assert errors[0].startswith((f"{path}:1: ", f"{path}:2: "))


def test_pinned_text_under_a_non_yaml_name_skips_the_file_name_check() -> None:
    assert parse_checklist(VALID, "<pinned>").id == "demo-2015"
    with pytest.raises(ChecklistInvalid):
        parse_checklist(VALID, "elsewhere.yaml")


def test_load_all_sorts_by_id_and_collects_errors_of_every_file(tmp_path: Path) -> None:
    _write(tmp_path, VALID_VCA, "scheme-2017.yaml")
    _write(tmp_path, VALID)
    assert [c.id for c in load_all(tmp_path)] == ["demo-2015", "scheme-2017"]
    _write(tmp_path, VALID, "wrong-name.yaml")
    _write(tmp_path, "id: [\n", "broken.yaml")
    with pytest.raises(ChecklistInvalid) as caught:
        load_all(tmp_path)
    assert sorted(Path(e.path).name for e in caught.value.errors) == [
        "broken.yaml",
        "wrong-name.yaml",
    ]


def test_validate_paths_takes_files_and_directories(tmp_path: Path) -> None:
    good = _write(tmp_path, VALID)
    assert validate_paths([good, tmp_path]) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing.yaml"
    assert [str(e) for e in validate_paths([empty, missing])] == [
        f"{empty}:1: no *.yaml checklist files here",
        f"{missing}:1: no such file or directory",
    ]


def test_shipped_dir_comes_from_the_environment_or_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITKIT_CHECKLISTS_DIR", str(tmp_path))
    assert shipped_checklists_dir() == tmp_path
    monkeypatch.delenv("AUDITKIT_CHECKLISTS_DIR")
    assert shipped_checklists_dir().name == "checklists"
    assert (shipped_checklists_dir() / "README.md").is_file()
