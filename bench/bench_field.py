"""Field app server times on an integrated ISO 9001 + 14001 + 45001 audit with every item answered.

Targets (field-app issue): clause page render p95 <= 50 ms; item autosave p95 <= 20 ms.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path

from bench.timing import measure, summary

STANDARDS = ["iso9001-2015", "iso14001-2015", "iso45001-2018"]


def _integrated_audit(data_dir: Path):  # type: ignore[no-untyped-def]
    """Seed the demo, then add an integrated audit for the demo auditor and answer every item."""
    from click.testing import CliRunner

    from auditkit.capture import Workspace
    from auditkit.capture.answers import AnswerInput, save_answer
    from auditkit.checklists import integrate
    from auditkit.cli import main
    from auditkit.db import make_engine, make_session_factory
    from auditkit.demo import ORGANISATION_ID, demo_id
    from auditkit.models import Audit, AuditTeamMember, AuditType, Organisation, TeamRole, Verdict
    from auditkit.planning import pin_checklists, pinned_checklists

    result = CliRunner().invoke(main, ["demo", "--seed-only"])
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    user_id = demo_id("user:auditor1")
    with make_session_factory(engine).begin() as session:
        audit = Audit(
            organisation=session.get(Organisation, ORGANISATION_ID),
            audit_type=AuditType.SURVEILLANCE,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 3),
            team=[AuditTeamMember(user_id=user_id, role=TeamRole.LEAD)],
        )
        session.add(audit)
        session.flush()
        pin_checklists(session, audit, STANDARDS)
        ws = Workspace(session, audit, user_id)
        items = [q.item_key for q in integrate(pinned_checklists(audit)).iter_questions()]
        for n, key in enumerate(items):
            answer = AnswerInput(
                Verdict.CONFORMING,
                f"Evidence seen for item {n}: records sampled, interviews held, all as expected.",
                "",
                [f"DOC-{n}"],
                [],
                [],
            )
            save_answer(ws, key, answer)
        audit_id = audit.id
    engine.dispose()
    return audit_id, items


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITKIT_DATA_DIR"] = str(Path(tmp) / "laptop")
        os.environ["AUDITKIT_SERVER_DATA_DIR"] = str(Path(tmp) / "server")
        audit_id, items = _integrated_audit(Path(tmp) / "laptop")

        from auditkit.field import create_app
        from auditkit.field.context import checklist_tree
        from auditkit.field.items import pages, questions_under
        from auditkit.models import Audit
        from auditkit.web.database import db_session

        app = create_app()
        client = app.test_client()
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").get_data(as_text=True))[1]
        with app.app_context():
            tree = checklist_tree(db_session().get(Audit, audit_id))
            page_keys = [(p.key, len(questions_under(p))) for p in pages(tree)]
        print(f"integrated audit: {len(items)} items, all answered, {len(page_keys)} clause pages")

        urls = [f"/audits/{audit_id}/checklist?section={key}" for key, _ in page_keys]
        state = {"i": 0}

        def any_page() -> None:
            url = urls[state["i"] % len(urls)]
            state["i"] += 1
            assert client.get(url).status_code == 200

        times = measure(any_page, repeat=len(urls) * 4)
        print(summary("clause page render, every page in turn", times) + "  (target p95 <= 50 ms)")
        heaviest, count = max(page_keys, key=lambda p: p[1])
        url = f"/audits/{audit_id}/checklist?section={heaviest}"
        times = measure(lambda: client.get(url), repeat=100)
        print(summary(f"clause page render, heaviest page ({heaviest}, {count} items)", times))

        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        counter = {"n": 0}

        def autosave() -> None:
            counter["n"] += 1
            key = items[counter["n"] % len(items)]
            reply = client.post(
                f"/audits/{audit_id}/items/{key}",
                data={"verdict": "conforming", "notes": f"Edited note {counter['n']}"},
                headers=headers,
            )
            assert reply.status_code == 200

        times = measure(autosave, repeat=300)
        print(summary("item autosave (one transaction, fsync)", times) + "  (target p95 <= 20 ms)")
