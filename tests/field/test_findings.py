from __future__ import annotations

import re

from auditkit.models import Finding

NC = {
    "grade": "major",
    "clause_refs": ["iso9001-2015|7.2"],
    "requirement": "ISO 9001:2015 7.2 competence of people doing work under its control",
    "objective_evidence": "Welding certificates missing for 2 of 5 welders (W-12, W-19).",
    "statement": "Competence of welders is not ensured.",
    "extent": "2 of 5 samples",
}


def _raise(laptop, **changes):  # type: ignore[no-untyped-def]
    data = {**NC, **changes}
    return laptop.form("/findings/new", data)


def test_raise_a_major_nc_gives_provisional_number_and_outbox_entry(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = _raise(laptop)
    assert reply.status_code == 302 and "created=1" in reply.headers["Location"]
    page = laptop.client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Finding P1" in page and "Finding raised" in page
    [entry] = laptop.outbox()
    assert entry.name == "finding.create.v1"
    assert entry.payload["clause_refs"] == [["iso9001-2015", "7.2", ""]]
    assert _raise(laptop).status_code == 302
    html = laptop.get("/findings/").get_data(as_text=True)
    assert ">P1<" in html and ">P2<" in html


def test_nc_without_its_three_parts_is_refused_and_typed_text_kept(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = _raise(laptop, requirement="", statement="")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "State the requirement." in html
    assert "State the nonconformity" in html
    assert "Welding certificates missing for 2 of 5 welders" in html  # kept
    assert 'value="2 of 5 samples"' in html
    assert laptop.count(Finding) == 0 and laptop.outbox() == []


def test_clause_must_belong_to_the_audit(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = _raise(laptop, clause_refs=["iso14001-2015|7.2"])
    assert reply.status_code == 422
    assert "not part of this audit" in reply.get_data(as_text=True)


def test_observation_may_reference_several_clauses(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = _raise(
        laptop,
        grade="observation",
        clause_refs=["iso9001-2015|7.2", "iso9001-2015|7.3"],
        requirement="",
        statement="Awareness of the quality policy varies.",
    )
    assert reply.status_code == 302
    [entry] = laptop.outbox()
    expected = [["iso9001-2015", "7.2", ""], ["iso9001-2015", "7.3", ""]]
    assert entry.payload["clause_refs"] == expected


def test_unknown_grade_and_site_are_refused(laptop) -> None:  # type: ignore[no-untyped-def]
    reply = _raise(laptop, grade="critical", site_id="00000000-0000-0000-0000-000000000000")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "not one of the choices" in html
    assert "no longer exists" in html


def test_raise_from_item_preselects_clause_and_item(laptop) -> None:  # type: ignore[no-untyped-def]
    html = laptop.get("/findings/new?item=iso9001-2015:7.2/2").get_data(as_text=True)
    clause = r'<input type="checkbox" name="clause_refs" value="iso9001-2015\|7.2" checked>'
    assert re.search(clause, html)
    item = r'<input type="checkbox" name="item_keys" value="iso9001-2015:7.2/2" checked>'
    assert re.search(item, html)


def test_edit_sends_changed_fields_and_delete_leaves_tombstone(laptop) -> None:  # type: ignore[no-untyped-def]
    location = _raise(laptop).headers["Location"]
    path = location.split(laptop.base, 1)[1].split("?")[0]
    assert laptop.form(path, {**NC, "grade": "minor"}).status_code == 302
    update = laptop.outbox()[-1]
    assert update.name == "finding.update.v1" and update.payload == {"grade": "minor"}
    assert update.base_version == 1
    assert laptop.form(path + "/delete").status_code == 302
    assert laptop.outbox()[-1].name == "finding.delete.v1"
    assert laptop.count(Finding) == 1  # tombstone kept
    assert laptop.get(path).status_code == 404
    assert ">P1<" not in laptop.get("/findings/").get_data(as_text=True)
    assert _raise(laptop).headers["Location"]  # numbering continues after a deleted one
    assert ">P2<" in laptop.get("/findings/").get_data(as_text=True)


def test_filters_by_grade_clause_and_site(laptop) -> None:  # type: ignore[no-untyped-def]
    _raise(laptop)
    _raise(
        laptop, grade="ofi", clause_refs=["iso9001-2015|7.3"], requirement="", statement="An idea."
    )
    assert ">P2<" not in laptop.get("/findings/?grade=major").get_data(as_text=True)
    only_73 = laptop.get("/findings/?clause=iso9001-2015|7.3").get_data(as_text=True)
    assert ">P2<" in only_73 and ">P1<" not in only_73
    assert laptop.get("/findings/?site=not-a-uuid").status_code == 200


def test_unknown_finding_is_404(laptop) -> None:  # type: ignore[no-untyped-def]
    assert laptop.get("/findings/00000000-0000-0000-0000-000000000000").status_code == 404
    assert laptop.get("/findings/nope").status_code == 404
