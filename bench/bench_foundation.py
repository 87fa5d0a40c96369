"""Start-up costs a newcomer feels: loading every checklist, rendering the first pages."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.timing import measure, summary


def run() -> None:
    from auditkit.checklists import load_all, shipped_checklists_dir

    times = measure(lambda: load_all(shipped_checklists_dir()), repeat=20)
    print(summary("load and validate all shipped checklists", times))

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITKIT_DATA_DIR"] = str(Path(tmp) / "laptop")
        os.environ["AUDITKIT_SERVER_DATA_DIR"] = str(Path(tmp) / "server")
        from click.testing import CliRunner

        from auditkit.cli import main

        result = CliRunner().invoke(main, ["demo", "--seed-only"])
        assert result.exit_code == 0, result.output
        from auditkit.cb import create_app as create_cb
        from auditkit.field import create_app as create_field

        field = create_field().test_client()
        times = measure(lambda: field.get("/"), repeat=200)
        print(summary("field app: My audits page", times))

        cb = create_cb().test_client()
        page = cb.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        cb.post(
            "/login", data={"username": "planner", "password": "auditkit-demo", "csrf_token": token}
        )
        times = measure(lambda: cb.get("/"), repeat=200)
        print(summary("CB server: dashboard page (signed in)", times))
