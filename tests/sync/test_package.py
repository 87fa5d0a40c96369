"""Audit packages: export on a laptop without network, import on the CB (CLI and upload page)."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from auditkit.cli.exchange import export_command, import_command
from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.models import AppliedMutation, Blob, Device, Finding, Photo, Response
from auditkit.photostore import PhotoStore
from sync import device_keys, package
from sync.package import PackageError, entries_to_export, read_package
from tests.helpers import csrf_from, sign_in

ITEM = "iso9001-2015:7.2/1"


@pytest.fixture
def offline_anna(laptops):  # type: ignore[no-untyped-def]
    """Anna synced once, then worked without network: answers, a finding and a photo."""
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    anna.answer(ITEM, notes="Training matrix seen")
    anna.answer("iso9001-2015:7.2/2", verdict="nonconformity", notes="2 of 5 lack certificates")
    anna.photo(ITEM, seed=3)
    created = anna.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.2",
            "objective_evidence": "2 of 5 welders lack certificates",
            "statement": "Competence not ensured",
            "item_keys": "iso9001-2015:7.2/2",
        },
    )
    assert created.status_code == 302
    return anna


def export(laptop, monkeypatch, target: Path, audit: str = str(AUDIT_ID)):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUDITKIT_DATA_DIR", str(laptop.data_dir))
    return CliRunner().invoke(export_command, [audit, "-o", str(target)])


def import_file(path: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(import_command, [str(path), "--json"])


def count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def rewrite(source: Path, target: Path, *, manifest=None, replace=None, extra=(), key=None) -> Path:  # type: ignore[no-untyped-def]
    """A copy of a package with its manifest edited, entries replaced or added; re-signed with
    `key` where given (the laptop's own key: a package its laptop really made)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        signed = b""
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "manifest.json":
                if manifest:
                    data = json.dumps(manifest(json.loads(data))).encode()
                signed = data
            if info.filename == "manifest.sig" and key is not None:
                data = key.sign(signed).hex().encode()
            new.writestr(info.filename, (replace or {}).get(info.filename, data))
        for name, data in extra:
            new.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def test_offline_audit_reaches_the_server_by_file_exactly_once(
    offline_anna, monkeypatch, tmp_path, server_engine, cb_app
) -> None:  # type: ignore[no-untyped-def]
    pending = offline_anna.pending()
    exported = export(offline_anna, monkeypatch, tmp_path / "audit.zip")
    assert exported.exit_code == 0, exported.output
    assert f"{pending} changes and 1 photos" in exported.output
    assert offline_anna.pending() == pending  # exporting acknowledges nothing

    first = import_file(tmp_path / "audit.zip")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert (summary["applied"], summary["duplicates"], summary["rejected"]) == (pending, 0, 0)
    assert summary["photos_stored"] == 1
    with make_session_factory(server_engine)() as session:
        notes = session.scalars(select(Response.notes).where(Response.item_key == ITEM)).one()
        assert notes == "Training matrix seen"
        assert session.scalars(select(Finding.number)).one() == "F1"
        photo = session.scalars(select(Photo)).one()
        assert session.get(Blob, photo.sha256) is not None
    stored = PhotoStore(Path(cb_app.config["DATA_DIR"]) / "blobs").path(photo.sha256)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256

    again = json.loads(import_file(tmp_path / "audit.zip").output)
    assert (again["applied"], again["duplicates"], again["rejected"]) == (0, pending, 0)
    assert again["photos_present"] == 1 and again["photos_stored"] == 0
    assert count(server_engine, AppliedMutation) == pending
    assert count(server_engine, Response) == 2 and count(server_engine, Photo) == 1

    online = offline_anna.sync()  # back online: the server has it all already
    assert online.ok, online.error
    assert online.duplicates == pending and online.applied == 0
    assert online.blobs_uploaded == 0 and offline_anna.pending() == 0
    with offline_anna.session() as session:
        assert session.scalars(select(Finding.number)).one() == "F1"


def test_planner_imports_a_package_on_the_upload_page(
    offline_anna, monkeypatch, tmp_path, cb_app, server_engine
) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    pending = offline_anna.pending()
    client = cb_app.test_client()
    sign_in(client, "planner")
    page = client.get("/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text

    def upload():  # type: ignore[no-untyped-def]
        return client.post(
            "/import",
            data={
                "csrf_token": csrf_from(client.get("/import").text),
                "package": (io.BytesIO((tmp_path / "audit.zip").read_bytes()), "audit.zip"),
            },
            content_type="multipart/form-data",
        )

    first = upload()
    assert first.status_code == 200, first.text
    assert f'<dd id="import-applied">{pending}</dd>' in first.text
    assert '<dd id="import-duplicates">0</dd>' in first.text
    second = upload()
    assert f'<dd id="import-duplicates">{pending}</dd>' in second.text
    assert '<dd id="import-applied">0</dd>' in second.text
    assert count(server_engine, AppliedMutation) == pending
    assert offline_anna.sync().duplicates == pending


def test_only_admins_and_planners_may_import(cb_app, seeded) -> None:  # type: ignore[no-untyped-def]
    anonymous = cb_app.test_client()
    assert anonymous.get("/import").status_code == 302
    for username, status in (("auditor1", 403), ("reviewer", 403), ("admin", 200)):
        client = cb_app.test_client()
        sign_in(client, username)
        assert client.get("/import").status_code == status


def test_only_importing_staff_may_send_more_than_the_form_limit(
    offline_anna, monkeypatch, tmp_path, cb_app
) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    data = (tmp_path / "audit.zip").read_bytes()
    cb_app.config["MAX_CONTENT_LENGTH"] = 4096  # the package is far larger

    def post(client, token: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/import",
            data={"csrf_token": token, "package": (io.BytesIO(data), "audit.zip")},
            content_type="multipart/form-data",
        )

    planner = cb_app.test_client()
    sign_in(planner, "planner")
    assert post(planner, csrf_from(planner.get("/import").text)).status_code == 200
    reviewer = cb_app.test_client()
    sign_in(reviewer, "reviewer")
    assert post(reviewer, csrf_from(reviewer.get("/").text)).status_code == 413
    assert post(cb_app.test_client(), "x").status_code == 413


def test_upload_page_explains_a_refusal_and_a_missing_file(cb_app, seeded) -> None:  # type: ignore[no-untyped-def]
    client = cb_app.test_client()
    sign_in(client, "planner")
    token = csrf_from(client.get("/import").text)
    empty = client.post("/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose the package file" in empty.text
    junk = client.post(
        "/import",
        data={"csrf_token": token, "package": (io.BytesIO(b"not a zip"), "a.zip")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 422 and "not a readable zip file" in junk.text


def test_tampered_photo_is_refused_and_nothing_is_written(
    offline_anna, monkeypatch, tmp_path, server_engine, cb_app
) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "audit.zip") as archive:
        name = next(n for n in archive.namelist() if n.startswith("photos/"))
        data = bytearray(archive.read(name))
    data[len(data) // 2] ^= 0xFF
    tampered = rewrite(tmp_path / "audit.zip", tmp_path / "t.zip", replace={name: bytes(data)})
    before = (count(server_engine, AppliedMutation), count(server_engine, Response))

    result = import_file(tampered)
    assert result.exit_code == 1
    assert "does not match its sha256" in result.output and "Nothing was imported" in result.output
    assert (count(server_engine, AppliedMutation), count(server_engine, Response)) == before
    assert count(server_engine, Blob) == 0
    blobs = Path(cb_app.config["DATA_DIR"]) / "blobs"
    assert not any(p.is_file() for p in blobs.rglob("*")) if blobs.exists() else True
    with make_session_factory(server_engine)() as session:
        assert {d.last_seq for d in session.scalars(select(Device))} == {0}


def _other_user(manifest):  # type: ignore[no-untyped-def]
    return manifest | {"user_id": str(uuid.uuid4())}


def _gap(manifest):  # type: ignore[no-untyped-def]
    return manifest | {"mutations": manifest["mutations"][1:]}


@pytest.mark.parametrize(
    "edit, message",
    [
        (dict(manifest=lambda m: m | {"device_id": str(uuid.uuid4())}), "does not know the laptop"),
        (dict(manifest=_other_user), "linked to another auditor"),
        (dict(manifest=lambda m: m | {"format": "zip"}), "not an auditkit audit package"),
        (dict(manifest=lambda m: m | {"version": 1}), "format version 1"),
        (dict(manifest=lambda m: m | {"schema": 99}), "newer auditkit"),
        (dict(manifest=lambda m: m | {"mutations": "x"}), "changes are malformed"),
        (dict(manifest=_gap), "is not by the key its laptop registered"),
        (dict(manifest=lambda m: m | {"created_at": "x"}), "is not by the key its laptop"),
        (dict(replace={"manifest.sig": b"00" * 64}), "is not by the key its laptop"),
        (dict(replace={"manifest.sig": b"zz"}), "signature is damaged"),
        (dict(extra=[("../../etc/cron.d/x", b"boom")]), "not part of an audit package"),
        (dict(extra=[("photos/../../x.jpg", b"boom")]), "not part of an audit package"),
        (dict(extra=[("photos/" + "0" * 64 + ".jpg", b"\0" * (65 * 2**20))]), "larger than"),
        (dict(extra=[("photos/" + "a" * 64 + ".jpg", b"x")]), "not in its manifest"),
    ],
)
def test_bad_packages_are_refused_with_a_sentence_and_change_nothing(
    offline_anna, monkeypatch, tmp_path, server_engine, edit, message
) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    bad = rewrite(tmp_path / "audit.zip", tmp_path / "bad.zip", **edit)
    result = import_file(bad)
    assert result.exit_code == 1 and message in result.output, result.output
    assert count(server_engine, AppliedMutation) == 0 and count(server_engine, Blob) == 0


def test_a_forged_package_is_refused_without_saying_where_the_laptop_is(
    offline_anna, monkeypatch, tmp_path, server_engine
) -> None:  # type: ignore[no-untyped-def]
    """Knowing a laptop's id is not enough: the package must be signed by that laptop's key.

    The forger builds a package of Anna's laptop (id and user as on the CB audit page) with a
    key of their own; it is refused, no change is applied, the laptop is not stuck as
    diverged afterwards, and the answer names no sequence number of the laptop."""
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    forger = Ed25519PrivateKey.generate()
    forged = rewrite(
        tmp_path / "audit.zip",
        tmp_path / "forged.zip",
        manifest=lambda m: m | {"created_at": "2026-12-01T08:00:00+00:00"},
        key=forger,
    )
    result = import_file(forged)
    assert result.exit_code == 1 and "is not by the key its laptop registered" in result.output
    assert "#" not in result.output
    assert count(server_engine, AppliedMutation) == 0
    unsigned = rewrite(tmp_path / "audit.zip", tmp_path / "u.zip")
    with zipfile.ZipFile(unsigned) as archive:
        entries = {n: archive.read(n) for n in archive.namelist() if n != "manifest.sig"}
    with zipfile.ZipFile(unsigned, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    assert "not signed by its laptop" in import_file(unsigned).output
    # The real laptop still syncs everything (it was never taken for diverged).
    summary = offline_anna.sync()
    assert summary.ok and count(server_engine, AppliedMutation) > 0


def test_a_genuine_package_with_a_gap_says_so_without_the_server_position(
    offline_anna, monkeypatch, tmp_path, server_engine
) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    key = device_keys.load(offline_anna.data_dir)
    gap = rewrite(tmp_path / "audit.zip", tmp_path / "gap.zip", manifest=_gap, key=key)
    result = import_file(gap)
    assert result.exit_code == 1 and "lacks some of the changes before it" in result.output
    assert "up to #" not in result.output


def test_too_many_entries_are_refused_before_reading(offline_anna, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert export(offline_anna, monkeypatch, tmp_path / "audit.zip").exit_code == 0
    monkeypatch.setattr(package, "MAX_ENTRIES", 1)
    with pytest.raises(PackageError, match="at most 1 are read"):
        read_package(tmp_path / "audit.zip")


def test_export_needs_a_linked_laptop_and_unsent_changes(laptops, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    nothing = export(anna, monkeypatch, tmp_path / "a.zip")
    assert nothing.exit_code == 1 and "nothing to export" in nothing.output
    unknown = export(anna, monkeypatch, tmp_path / "a.zip", audit="A-1999-999")
    assert unknown.exit_code == 1 and "no audit 'A-1999-999'" in unknown.output
    never_linked = laptops("bram")
    never = export(never_linked, monkeypatch, tmp_path / "b.zip")
    assert never.exit_code == 1 and "auditkit login URL" in never.output
    assert not (tmp_path / "a.zip").exists() and not (tmp_path / "b.zip").exists()


def test_earlier_changes_of_other_audits_ride_along_in_order() -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    entries = [
        SimpleNamespace(seq=4, audit_id=other),
        SimpleNamespace(seq=5, audit_id=mine),
        SimpleNamespace(seq=6, audit_id=other),
        SimpleNamespace(seq=7, audit_id=mine),
        SimpleNamespace(seq=8, audit_id=other),
    ]
    assert [e.seq for e in entries_to_export(entries, mine)] == [4, 5, 6, 7]  # type: ignore[arg-type]
    assert entries_to_export(entries, uuid.uuid4()) == []  # type: ignore[arg-type]
