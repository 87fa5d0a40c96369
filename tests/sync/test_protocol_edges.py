from __future__ import annotations

import base64
import hashlib
import uuid

import requests
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID
from auditkit.migrate import backup_sqlite
from auditkit.models import AppliedMutation, Blob, Response, Role, User, UserRole
from sync import protocol
from sync.client.credentials import Credentials
from sync.client.http import Api, version_headers

ITEM = "iso9001-2015:7.2/1"


def _api(laptop) -> Api:  # type: ignore[no-untyped-def]
    return Api(Credentials.load(laptop.data_dir), laptop.data_dir, attempts=1)


def _mutation(seq: int, notes: str, audit_id=AUDIT_ID, item: str = ITEM) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "seq": seq,
        "mutation_id": str(uuid.uuid4()),
        "name": "answer.set.v1",
        "audit_id": str(audit_id),
        "entity_id": item,
        "base_version": None,
        "payload": {"item_key": item, "notes": notes},
    }


def test_a_gap_in_sequence_is_refused_and_nothing_applied(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    api = _api(anna)
    body = {"device_id": api.credentials.device_id, "mutations": [_mutation(2, "skips one")]}
    response = api.call("POST", "/push", json=body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == protocol.SEQ_GAP
    assert response.json()["error"]["last_seq"] == 0
    with make_session_factory(server_engine)() as session:
        assert session.scalars(select(AppliedMutation)).first() is None


def test_laptop_restored_from_backup_is_told_it_diverged(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    backup = backup_sqlite(anna.settings.database_path, anna.data_dir.parent / "backups")
    anna.answer(ITEM, notes="after the backup")
    assert anna.sync().ok
    anna.restore(backup)
    anna.answer(ITEM, notes="new work on the restored laptop")
    summary = anna.sync()
    assert summary.error_code == protocol.DEVICE_DIVERGED and "backup" in summary.error
    assert anna.pending() == 1  # the new edit is kept, never dropped as a duplicate
    with make_session_factory(server_engine)() as session:
        notes = session.scalars(select(Response.notes).where(Response.item_key == ITEM)).one()
    assert notes == "after the backup"


def _outsider(server_engine) -> None:  # type: ignore[no-untyped-def]
    with make_session_factory(server_engine).begin() as session:
        session.add(
            User(
                username="carla",
                full_name="Carla Outside",
                password_hash=generate_password_hash("pw-carla"),
                roles=[UserRole(role=Role.AUDITOR)],
            )
        )


def test_auditor_not_on_the_team_can_neither_pull_nor_push(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    _outsider(server_engine)
    carla = laptops("carla").login("carla", "pw-carla")
    assert carla.sync().ok
    with carla.session() as session:
        from auditkit.models import Audit

        assert session.scalars(select(Audit)).first() is None
    api = _api(carla)
    answer = api.json(
        "POST",
        "/push",
        {"device_id": api.credentials.device_id, "mutations": [_mutation(1, "not mine")]},
    )
    [result] = answer["results"]
    assert result["status"] == "rejected" and result["code"] == protocol.NOT_ON_TEAM
    with make_session_factory(server_engine)() as session:
        assert session.scalars(select(Response)).first() is None


def test_push_with_another_devices_id_is_refused(laptops) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    bram = laptops("bram").login("auditor2")
    api = _api(anna)
    body = {"device_id": Credentials.load(bram.data_dir).device_id, "mutations": []}
    response = api.call("POST", "/push", json=body)
    assert response.status_code == 403


def test_blob_upload_resumes_from_the_servers_offset(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    data = bytes(range(256)) * 12_000  # 3 MB: three chunks
    sha = hashlib.sha256(data).hexdigest()
    api = _api(anna)
    first = data[: protocol.CHUNK_SIZE]
    response = api.call(
        "PATCH",
        f"/blobs/{sha}",
        data=first,
        headers={
            "Upload-Offset": "0",
            "Upload-Length": str(len(data)),
            "Upload-Checksum": "sha256 "
            + base64.b64encode(hashlib.sha256(first).digest()).decode(),
        },
    )
    assert response.status_code == 204
    head = api.call("HEAD", f"/blobs/{sha}")
    assert head.status_code == 204 and head.headers["Upload-Offset"] == str(protocol.CHUNK_SIZE)
    stale = api.call(
        "PATCH",
        f"/blobs/{sha}",
        data=first,
        headers={"Upload-Offset": "0", "Upload-Length": str(len(data))},
    )
    assert stale.status_code == 409 and stale.json()["error"]["offset"] == protocol.CHUNK_SIZE
    bad = api.call(
        "PATCH",
        f"/blobs/{sha}",
        data=b"x" * 10,
        headers={
            "Upload-Offset": str(protocol.CHUNK_SIZE),
            "Upload-Length": str(len(data)),
            "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(b"y").digest()).decode(),
        },
    )
    assert bad.status_code == 460
    offset = protocol.CHUNK_SIZE
    while offset < len(data):
        chunk = data[offset : offset + protocol.CHUNK_SIZE]
        response = api.call(
            "PATCH",
            f"/blobs/{sha}",
            data=chunk,
            headers={"Upload-Offset": str(offset), "Upload-Length": str(len(data))},
        )
        offset += len(chunk)
    assert response.status_code == 201
    with make_session_factory(server_engine)() as session:
        assert session.get(Blob, sha).size == len(data)
    assert api.call("HEAD", f"/blobs/{sha}").status_code == 200
    check = api.json("POST", "/blobs/check", {"blobs": [{"sha256": sha, "size": len(data)}]})
    assert check["missing"] == []


def test_wrong_whole_file_digest_is_refused_and_restarts(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    api = _api(anna)
    claimed = "0" * 64
    response = api.call(
        "PATCH",
        f"/blobs/{claimed}",
        data=b"not what it claims",
        headers={"Upload-Offset": "0", "Upload-Length": "18"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == protocol.DIGEST_INVALID
    with make_session_factory(server_engine)() as session:
        assert session.get(Blob, claimed) is None
    assert api.call("HEAD", f"/blobs/{claimed}").status_code == 404


def test_teammate_photo_downloads_with_range_and_outsiders_get_404(
    laptops, server_engine, cb_server
) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    anna.sync()
    anna.photo(ITEM, seed=5)
    assert anna.sync().ok
    with make_session_factory(server_engine)() as session:
        sha = session.scalars(select(Blob.sha256)).one()
        size = session.get(Blob, sha).size
    bram = laptops("bram").login("auditor2")
    api = _api(bram)
    part = api.call("GET", f"/blobs/{sha}", headers={"Range": "bytes=10-"})
    assert part.status_code == 206 and len(part.content) == size - 10
    _outsider(server_engine)
    carla = laptops("carla").login("carla", "pw-carla")
    assert _api(carla).call("GET", f"/blobs/{sha}").status_code == 404
    plain = requests.get(
        cb_server.url + protocol.API_PREFIX + f"/blobs/{sha}", headers=version_headers(), timeout=10
    )
    assert plain.status_code == 401


def test_two_concurrent_pushes_of_one_device_serialise(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    import threading

    anna = laptops("anna").login("auditor1")
    anna.sync()
    body = {
        "device_id": Credentials.load(anna.data_dir).device_id,
        "mutations": [
            _mutation(seq, f"note {seq}", item=f"iso9001-2015:7.{seq}/1") for seq in range(1, 21)
        ],
    }
    answers: list[dict] = []  # type: ignore[type-arg]
    barrier = threading.Barrier(2)

    def push() -> None:
        api = _api(anna)
        barrier.wait()
        answers.append(api.json("POST", "/push", body))

    threads = [threading.Thread(target=push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    for seq in range(1, 21):
        statuses = sorted(a["results"][seq - 1]["status"] for a in answers)
        assert statuses == ["applied", "duplicate"], (seq, statuses)
    with make_session_factory(server_engine)() as session:
        applied = session.scalars(select(AppliedMutation.seq).order_by(AppliedMutation.seq)).all()
    assert applied == list(range(1, 21))


def test_bad_checksum_header_is_a_clear_400(laptops) -> None:  # type: ignore[no-untyped-def]
    api = _api(laptops("anna").login("auditor1"))
    response = api.call(
        "PATCH",
        "/blobs/" + "a" * 64,
        data=b"abc",
        headers={
            "Upload-Offset": "0",
            "Upload-Length": "3",
            "Upload-Checksum": "sha256 !!not base64!!",
        },
    )
    assert response.status_code == 400 and "base64" in response.json()["error"]["message"]


def test_another_auditors_change_id_is_not_answered_with_their_result(laptops) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna").login("auditor1")
    bram = laptops("bram").login("auditor2")
    anna.sync()
    bram.sync()
    mine = _mutation(1, "Anna's change")
    _api(anna).json(
        "POST",
        "/push",
        {"device_id": Credentials.load(anna.data_dir).device_id, "mutations": [mine]},
    )
    api = _api(bram)
    response = api.call(
        "POST",
        "/push",
        json={"device_id": api.credentials.device_id, "mutations": [{**mine, "seq": 1}]},
    )
    assert response.status_code == 409
    assert "Anna" not in response.text


def test_a_database_failure_mid_push_keeps_nothing_and_the_retry_applies_all(
    laptops, server_engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The batch is one transaction: a failure in its third mutation undoes the first two."""
    from sqlalchemy.exc import OperationalError

    from sync.engine import apply as server_apply

    anna = laptops("anna").login("auditor1")
    api = _api(anna)
    items = [f"iso9001-2015:7.{n}/1" for n in (2, 3, 4)]
    mutations = [_mutation(seq, f"note {seq}", item=item) for seq, item in enumerate(items, 1)]
    body = {"device_id": api.credentials.device_id, "mutations": mutations}
    real = server_apply.HANDLERS["answer.set.v1"]

    def failing(ctx, m):  # type: ignore[no-untyped-def]
        if m.seq == 3:
            raise OperationalError("UPDATE responses", {}, Exception("disk I/O error"))
        return real(ctx, m)

    monkeypatch.setitem(server_apply.HANDLERS, "answer.set.v1", failing)
    response = api._send("POST", "/push", json=body)  # one try: call() would retry the 503
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "try_again"
    assert response.json()["error"]["results"] == []
    with make_session_factory(server_engine)() as session:
        assert session.scalars(select(AppliedMutation)).first() is None
        assert session.scalars(select(Response)).first() is None

    monkeypatch.setitem(server_apply.HANDLERS, "answer.set.v1", real)
    answer = api.json("POST", "/push", body)
    assert [r["status"] for r in answer["results"]] == ["applied"] * 3
    assert answer["last_seq"] == 3
    with make_session_factory(server_engine)() as session:
        notes = session.scalars(select(Response.notes).order_by(Response.item_key)).all()
        assert notes == ["note 1", "note 2", "note 3"]


def test_photos_go_up_side_by_side_and_a_failure_keeps_what_arrived(laptops, server_engine) -> None:  # type: ignore[no-untyped-def]
    """Uploads run in parallel; one damaged local photo stops the run with a clear error,
    the photos already stored are never sent again, and the rest go up on the next run."""
    from auditkit.models import Photo
    from auditkit.photostore import PhotoStore

    anna = laptops("anna").login("auditor1")
    anna.sync()
    for seed in range(8):
        anna.photo(ITEM, seed=seed + 1)
    with anna.session() as session:
        shas = sorted(session.scalars(select(Photo.sha256)))
    store = PhotoStore(anna.data_dir / "photos")
    damaged = store.path(shas[4])
    kept = damaged.read_bytes()
    damaged.write_bytes(kept[:-10] + b"0123456789")

    first = anna.sync()
    assert first.error_code == "local_photo_damaged" and shas[4][:12] in first.error
    assert first.blobs_uploaded < 8
    with make_session_factory(server_engine)() as session:
        on_server = set(session.scalars(select(Blob.sha256)))
    assert len(on_server) == first.blobs_uploaded and shas[4] not in on_server

    damaged.write_bytes(kept)
    second = anna.sync()
    assert second.ok, second.error
    assert second.blobs_uploaded == 8 - first.blobs_uploaded  # nothing went up twice
    with make_session_factory(server_engine)() as session:
        assert set(session.scalars(select(Blob.sha256))) == set(shas)
