from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from auditkit.checklists import shipped_checklists_dir
from auditkit.db import make_session_factory
from auditkit.models import Audit, AuditType, Organisation
from auditkit.planning import UnknownChecklist, pin_checklists, pinned_checklists


def _audit(session) -> Audit:  # type: ignore[no-untyped-def]
    org = Organisation(name="Acme", legal_name="Acme B.V.")
    audit = Audit(
        organisation=org,
        audit_type=AuditType.STAGE2,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 2),
    )
    session.add(audit)
    session.flush()
    return audit


def test_editing_a_checklist_file_never_changes_an_audit_in_progress(
    server_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "checklists"
    shutil.copytree(shipped_checklists_dir(), folder)
    monkeypatch.setenv("AUDITKIT_CHECKLISTS_DIR", str(folder))
    factory = make_session_factory(server_engine)
    with factory.begin() as session:
        audit = _audit(session)
        pin_checklists(session, audit, ["iso9001-2015", "iso14001-2015"])
        audit_id = audit.id
        before = [(c.checklist_id, c.content_sha256) for c in audit.checklists]
        first_question = pinned_checklists(audit)[0].question("7.2/1")
        assert first_question is not None

    path = folder / "iso9001-2015.yaml"
    original = first_question.text
    # The first words sit on one line in the file, however the YAML folds the rest.
    edited = path.read_text().replace(original[:40], "Rewritten after the audit began: ", 1)
    assert edited != path.read_text()
    path.write_text(edited.replace('version: "1.1.0"', 'version: "1.2.0"', 1))

    with factory.begin() as session:
        audit = session.get(Audit, audit_id)
        pin_checklists(session, audit, ["iso9001-2015", "iso14001-2015"])  # no re-pin
        assert [(c.checklist_id, c.content_sha256) for c in audit.checklists] == before
        assert [c.checklist_version for c in audit.checklists] == ["1.1.0", "1.1.0"]
        question = pinned_checklists(audit)[0].question("7.2/1")
        assert question is not None and question.text == original

    with factory.begin() as session:
        fresh = _audit(session)
        pin_checklists(session, fresh, ["iso9001-2015"])
        assert fresh.checklists[0].checklist_version == "1.2.0"
        assert fresh.checklists[0].content_sha256 != before[0][1]


def test_pinned_content_hash_matches_the_file(server_session) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    audit = _audit(server_session)
    pin_checklists(server_session, audit, ["vca-2017"])
    pinned = audit.checklists[0]
    file_bytes = (shipped_checklists_dir() / "vca-2017.yaml").read_bytes()
    assert pinned.content_sha256 == hashlib.sha256(file_bytes).hexdigest()
    assert pinned.content.encode() == file_bytes


def test_unknown_checklist_is_refused_clearly(server_session) -> None:  # type: ignore[no-untyped-def]
    audit = _audit(server_session)
    with pytest.raises(UnknownChecklist, match="no checklist called 'iso9999-2030'"):
        pin_checklists(server_session, audit, ["iso9999-2030"])
