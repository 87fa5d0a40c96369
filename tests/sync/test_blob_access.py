"""Photos by hash (issue 11, item 7): who may read a blob or name it, uploads per device.

A laptop reads a blob only through the audits it may pull (or as its own upload no photo
names yet); anything else is answered as a blob the server does not have. A photo.add may
not name another team's stored bytes. Uploads are per device, so one laptop's half-done
upload never blocks another's; lapsed uploads start again.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from auditkit.models import (
    AppliedMutation,
    AuditStatus,
    Blob,
    BlobHolder,
    DeviceUpload,
    Photo,
    TeamRole,
    utcnow,
)
from sync import protocol
from tests.factories import api_headers, jpeg

CHUNK = protocol.CHUNK_SIZE
BIG = bytes(range(256)) * 12_000  # 3 MB: three chunks
BIG_SHA = hashlib.sha256(BIG).hexdigest()


class Laptop:
    """One device's sync API calls through the CB app's test client."""

    def __init__(self, client: Any, device: Any, token: str) -> None:
        self.client, self.device, self.headers = client, device, api_headers(token)
        self.seq = 0

    def url(self, path: str) -> str:
        return protocol.API_PREFIX + path

    def patch(self, sha: str, data: bytes, offset: int, length: int | None = None) -> Any:
        chunk = data[offset : offset + CHUNK]
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers = {
            **self.headers,
            "Upload-Offset": str(offset),
            "Upload-Length": str(len(data) if length is None else length),
            "Upload-Checksum": f"sha256 {digest}",
        }
        return self.client.patch(self.url(f"/blobs/{sha}"), data=chunk, headers=headers)

    def upload(self, data: bytes) -> str:
        """Send all of `data`, chunk by chunk; its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        offset = 0
        while True:
            answer = self.patch(sha, data, offset)
            if answer.status_code == 201:
                return sha
            assert answer.status_code == 204, answer.get_data(as_text=True)
            offset = int(answer.headers["Upload-Offset"])

    def head(self, sha: str) -> Any:
        return self.client.head(self.url(f"/blobs/{sha}"), headers=self.headers)

    def get(self, sha: str) -> Any:
        return self.client.get(self.url(f"/blobs/{sha}"), headers=self.headers)

    def check(self, *shas: str) -> dict[str, Any]:
        body = {"blobs": [{"sha256": s, "size": 1} for s in shas]}
        answer = self.client.post(self.url("/blobs/check"), json=body, headers=self.headers)
        assert answer.status_code == 200
        return answer.get_json()

    def add_photo(self, audit_id: uuid.UUID, sha: str, size: int = 1000) -> dict[str, Any]:
        """Push one photo.add naming `sha`; the result of it."""
        self.seq += 1
        mutation = {
            "seq": self.seq,
            "mutation_id": str(uuid.uuid4()),
            "name": "photo.add.v1",
            "audit_id": str(audit_id),
            "entity_id": str(uuid.uuid4()),
            "base_version": None,
            "payload": {"sha256": sha, "size": size, "width": 64, "height": 48},
        }
        body = {"device_id": str(self.device.id), "mutations": [mutation]}
        answer = self.client.post(self.url("/push"), json=body, headers=self.headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        [result] = answer.get_json()["results"]
        return result


@pytest.fixture
def teams(factory, cb_app):  # type: ignore[no-untyped-def]
    """Anna (lead) and Bram on audit A; Carla leads audit B of another client."""
    anna, bram, carla = factory.auditor(), factory.auditor(), factory.auditor()
    a = factory.audit(lead=anna, members=[(bram, TeamRole.AUDITOR)], status=AuditStatus.IN_PROGRESS)
    b = factory.audit(lead=carla, status=AuditStatus.IN_PROGRESS)
    laptops = {}
    for name, user in (("anna", anna), ("bram", bram), ("carla", carla)):
        device, token = factory.device_and_token(user)
        laptops[name] = Laptop(cb_app.test_client(), device, token)
    second, token = factory.device_and_token(anna)
    laptops["anna2"] = Laptop(cb_app.test_client(), second, token)
    factory.commit()
    return laptops, a.id, b.id


def _photo_in_a(teams) -> str:  # type: ignore[no-untyped-def]
    laptops, a, _ = teams
    data = jpeg(seed=3)
    sha = laptops["anna"].upload(data)
    assert laptops["anna"].add_photo(a, sha, len(data))["status"] == "applied"
    return sha


# ---- reading ----


def test_an_outsider_gets_404_on_get_and_head_of_another_teams_photo(teams) -> None:  # type: ignore[no-untyped-def]
    laptops, _, _ = teams
    sha = _photo_in_a(teams)
    bram, carla = laptops["bram"], laptops["carla"]
    assert bram.get(sha).status_code == 200 and bram.get(sha).data == jpeg(seed=3)
    assert bram.head(sha).status_code == 200

    unknown = hashlib.sha256(b"no such photo").hexdigest()
    got, none = carla.get(sha), carla.get(unknown)
    assert got.status_code == none.status_code == 404
    assert got.get_json() == none.get_json()
    assert got.get_json()["error"]["code"] == "not_found"
    head, head_none = carla.head(sha), carla.head(unknown)
    assert head.status_code == head_none.status_code == 404
    assert dict(head.headers) == dict(head_none.headers)
    # blobs/check tells her nothing either: for her it is missing, like any other.
    assert carla.check(sha, unknown)["missing"] == [sha, unknown]
    assert bram.check(sha)["missing"] == []


def test_an_upload_no_photo_names_yet_is_read_by_its_own_laptop_only(teams) -> None:  # type: ignore[no-untyped-def]
    laptops, a, _ = teams
    anna, bram = laptops["anna"], laptops["bram"]
    data = jpeg(seed=4)
    sha = anna.upload(data)
    assert anna.head(sha).status_code == 200 and anna.get(sha).data == data
    assert bram.head(sha).status_code == 404  # his teammate's, but in none of his audits yet
    assert bram.get(sha).status_code == 404
    assert anna.add_photo(a, sha, len(data))["status"] == "applied"
    assert bram.head(sha).status_code == 200 and bram.get(sha).data == data


# ---- naming ----


def test_photo_add_naming_another_teams_hash_is_refused_and_recorded(teams, server_engine) -> None:  # type: ignore[no-untyped-def]
    from auditkit.db import make_session_factory

    laptops, a, b = teams
    sha = _photo_in_a(teams)
    carla = laptops["carla"]
    result = carla.add_photo(b, sha)
    assert result["status"] == "rejected" and result["code"] == protocol.BLOB_NOT_YOURS
    assert "not sent by your laptops" in result["message"]
    with make_session_factory(server_engine)() as session:
        recorded = session.scalars(
            select(AppliedMutation).where(AppliedMutation.device_id == carla.device.id)
        ).one()
        assert (recorded.status, recorded.code) == ("rejected", protocol.BLOB_NOT_YOURS)
        assert recorded.payload["sha256"] == sha
        assert session.scalars(select(Photo).where(Photo.audit_id == b)).first() is None
    assert carla.get(sha).status_code == 404


def test_photo_add_of_bytes_not_here_yet_own_or_in_ones_audits_is_applied(teams) -> None:  # type: ignore[no-untyped-def]
    laptops, a, b = teams
    sha = _photo_in_a(teams)
    # Bram names his teammate's photo again: it is in his audit.
    assert laptops["bram"].add_photo(a, sha)["status"] == "applied"
    # Bytes not on the server yet: applied, and the laptop is told they are missing.
    later = hashlib.sha256(b"arrives after the push").hexdigest()
    result = laptops["carla"].add_photo(b, later)
    assert result["status"] == "applied" and result["result"]["blob_missing"] is True
    # Carla sends the same bytes as Anna herself: now they are hers to name and read.
    carla = laptops["carla"]
    assert carla.check(sha)["missing"] == [sha]
    assert carla.patch(sha, jpeg(seed=3), 0).status_code == 201
    result = carla.add_photo(b, sha)
    assert result["status"] == "applied" and "blob_missing" not in result["result"]
    assert carla.get(sha).data == jpeg(seed=3)
    # Another laptop of Anna's may name what her first laptop sent.
    own = laptops["anna"].upload(jpeg(seed=9))
    assert laptops["anna2"].check(own)["missing"] == []
    assert laptops["anna2"].add_photo(a, own)["status"] == "applied"


# ---- uploads per device ----


def test_two_laptops_uploading_the_same_photo_side_by_side_both_finish(
    teams, server_engine
) -> None:  # type: ignore[no-untyped-def]
    from auditkit.db import make_session_factory

    laptops, _, _ = teams
    anna, carla = laptops["anna"], laptops["carla"]
    answers = []
    for offset in range(0, len(BIG), CHUNK):
        for laptop in (anna, carla):
            answers.append(laptop.patch(BIG_SHA, BIG, offset).status_code)
    assert answers == [204, 204, 204, 204, 201, 201]
    with make_session_factory(server_engine)() as session:
        assert session.get(Blob, BIG_SHA).size == len(BIG)
        holders = set(
            session.scalars(select(BlobHolder.device_id).where(BlobHolder.sha256 == BIG_SHA))
        )
        assert holders == {anna.device.id, carla.device.id}
        assert session.scalars(select(DeviceUpload)).first() is None
    assert anna.get(BIG_SHA).data == BIG and carla.get(BIG_SHA).data == BIG


def test_a_half_started_upload_with_another_length_blocks_nobody(teams) -> None:  # type: ignore[no-untyped-def]
    laptops, _, _ = teams
    # Carla starts an upload of the hash declaring a wrong size, and leaves it.
    assert laptops["carla"].patch(BIG_SHA, BIG, 0, length=len(BIG) + 5).status_code == 204
    assert laptops["anna"].upload(BIG) == BIG_SHA
    # Her own next try with the right size starts her upload again instead of a 409 for ever.
    again = laptops["carla"].patch(BIG_SHA, BIG, CHUNK)
    assert again.status_code == 409 and again.get_json()["error"]["offset"] == 0
    assert laptops["carla"].upload(BIG) == BIG_SHA


def test_when_another_laptop_of_the_auditor_finishes_first_the_rest_is_answered_done(teams) -> None:  # type: ignore[no-untyped-def]
    laptops, _, _ = teams
    anna, anna2 = laptops["anna"], laptops["anna2"]
    assert anna2.patch(BIG_SHA, BIG, 0).status_code == 204
    assert anna.upload(BIG) == BIG_SHA
    done = anna2.patch(BIG_SHA, BIG, CHUNK)
    assert done.status_code == 201 and done.headers["Upload-Offset"] == str(len(BIG))
    assert anna2.head(BIG_SHA).status_code == 404  # not named yet: her first laptop's upload


def test_a_lapsed_upload_starts_again_at_zero(teams, server_engine) -> None:  # type: ignore[no-untyped-def]
    from auditkit.db import make_session_factory

    laptops, _, _ = teams
    anna = laptops["anna"]
    assert anna.patch(BIG_SHA, BIG, 0).status_code == 204
    assert anna.head(BIG_SHA).headers["Upload-Offset"] == str(CHUNK)
    with make_session_factory(server_engine).begin() as session:
        session.execute(
            update(DeviceUpload).values(
                updated_at=utcnow() - timedelta(seconds=protocol.UPLOAD_IDLE_SECONDS + 60)
            )
        )
    assert anna.head(BIG_SHA).status_code == 404
    assert anna.check(BIG_SHA)["partial"] == []
    stale = anna.patch(BIG_SHA, BIG, CHUNK)
    assert stale.status_code == 409 and stale.get_json()["error"]["offset"] == 0
    assert anna.upload(BIG) == BIG_SHA


def test_two_laptops_upload_one_photo_at_the_same_moment_on_a_live_server(
    factory, cb_app, server_engine
) -> None:  # type: ignore[no-untyped-def]
    """Real threads against a real server: each chunk of both starts at the same moment."""
    from auditkit.db import make_session_factory
    from tests.sync.conftest import LiveServer

    pairs = [factory.device_and_token(factory.auditor()) for _ in range(2)]
    factory.commit()
    server = LiveServer(cb_app).start()
    barrier = threading.Barrier(2)
    statuses: dict[int, list[int]] = {0: [], 1: []}

    def send(n: int, token: str) -> None:
        with requests.Session() as http:
            for offset in range(0, len(BIG), CHUNK):
                chunk = BIG[offset : offset + CHUNK]
                barrier.wait(timeout=30)
                answer = http.patch(
                    f"{server.url}{protocol.API_PREFIX}/blobs/{BIG_SHA}",
                    data=chunk,
                    headers={
                        **api_headers(token),
                        "Upload-Offset": str(offset),
                        "Upload-Length": str(len(BIG)),
                    },
                    timeout=30,
                )
                statuses[n].append(answer.status_code)

    try:
        threads = [
            threading.Thread(target=send, args=(n, token)) for n, (_, token) in enumerate(pairs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        server.stop()
    assert statuses == {0: [204, 204, 201], 1: [204, 204, 201]}
    with make_session_factory(server_engine)() as session:
        assert session.get(Blob, BIG_SHA).size == len(BIG)
        assert len(session.scalars(select(BlobHolder)).all()) == 2
