"""A teammate's photo download that breaks off goes on from the bytes already on the laptop,
with Range and the backoff of any request, inside one `auditkit sync`.

Anna sends a photo straight to the live server; Bram's laptop talks to it through a proxy
that cuts the answers to chosen photo downloads at chosen shares of their bytes, or through
a server whose download view misbehaves (ignores Range, sends damaged bytes).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from random import Random

import pytest
from PIL import Image
from sqlalchemy import select

from auditkit.models import Photo
from auditkit.photostore import PhotoStore
from sync.client.credentials import Credentials
from sync.client.http import Api
from sync.client.run import Summary, sync_now
from sync.server import blobs as server_blobs
from tests.sync.conftest import TestLaptop
from tests.sync.faultproxy import Exchange, FaultProxy

ITEM = "iso9001-2015:7.2/1"


class CutDownloads(FaultProxy):
    """Forwards everything; cuts the answer to the next photo downloads as planned."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__(upstream_port)
        self.cuts: list[float] = []  # shares of the answer's bytes, one per next download
        self.always: float | None = None  # cut every download at this share

    def _decide(self, method: str, path: str, body_up: int) -> tuple[Exchange, float]:
        exchange, cut = super()._decide(method, path, body_up)
        if method == "GET" and "/blobs/" in path and (self.cuts or self.always):
            exchange.fault = "cut_response"
            cut = self.cuts.pop(0) if self.cuts else float(self.always or 0)
        return exchange, cut

    def downloads(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == "GET" and "/blobs/" in e.path]


@pytest.fixture
def proxy(cb_server) -> Iterator[CutDownloads]:  # type: ignore[no-untyped-def]
    with CutDownloads(cb_server.server.server_port) as running:
        yield running


def _noise_jpeg(seed: int, size: tuple[int, int] = (1000, 700)) -> bytes:
    """Noise stays big as a JPEG (about 0.5 MB once normalised): a cut falls inside the body."""
    rng = Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _photos_on_server(laptops, seeds: tuple[int, ...] = (1,)) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Anna adds photos and syncs them up (no proxy); their (sha256, size), sorted."""
    anna = laptops("anna").login("auditor1")
    assert anna.sync().ok
    for seed in seeds:
        reply = anna.post(
            "/photos",
            {"item_key": ITEM, "owner": "x", "photos": [(io.BytesIO(_noise_jpeg(seed)), "p.jpg")]},
            content_type="multipart/form-data",
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)
    assert anna.sync().ok
    with anna.session() as session:
        return sorted((p.sha256, p.size) for p in session.scalars(select(Photo)))


@pytest.fixture
def bram(tmp_path, proxy, laptops) -> Iterator[TestLaptop]:  # type: ignore[no-untyped-def]
    laptop = TestLaptop(tmp_path / "through-proxy", "bram", proxy.url)
    laptop.login("auditor2")
    yield laptop
    laptop.close()


def _sync(laptop: TestLaptop, waits: list[float] | None = None) -> Summary:
    """One sync run with the client's real policy (5 tries), noting its backoff pauses."""
    credentials = Credentials.load(laptop.data_dir)
    assert credentials is not None
    noted = waits if waits is not None else []
    return sync_now(laptop.data_dir, api=Api(credentials, laptop.data_dir, sleep=noted.append))


def _stored(laptop: TestLaptop, sha: str) -> bool:
    path = PhotoStore(laptop.data_dir / "photos").path(sha)
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha


def _partial(laptop: TestLaptop, sha: str):  # type: ignore[no-untyped-def]
    return laptop.data_dir / "photos" / f".{sha}.download"


def test_a_download_cut_twice_resumes_and_one_sync_ends_ok(laptops, proxy, bram) -> None:  # type: ignore[no-untyped-def]
    [(sha, size)] = _photos_on_server(laptops)
    assert size > 300_000
    proxy.reset_counters()
    proxy.cuts = [0.4, 0.5]  # the first answer, then the first resumed one, break off
    waits: list[float] = []
    summary = _sync(bram, waits)
    assert summary.ok, summary.error
    assert summary.photos_downloaded == 1 and _stored(bram, sha)
    assert not _partial(bram, sha).exists()
    downloads = proxy.downloads()
    assert [e.fault for e in downloads] == ["cut_response", "cut_response", ""]
    assert [e.status for e in downloads] == [200, 206, 206]  # resumed with Range
    fetched = sum(e.bytes_down for e in downloads)
    assert size < fetched < 2 * size  # each byte came about once, not the photo thrice
    assert summary.bytes_downloaded == size
    assert len(waits) == 2 and waits[1] <= 2 * 0.5  # the backoff of Api.call, per cut


def test_a_download_that_keeps_breaking_gives_up_and_the_next_sync_resumes(
    laptops, proxy, bram
) -> None:  # type: ignore[no-untyped-def]
    [(sha, size)] = _photos_on_server(laptops)
    proxy.reset_counters()
    proxy.always = 0.5
    first = _sync(bram)
    assert not first.ok and first.error_code == "unreachable"
    assert "kept breaking off" in first.error and "goes on from where it stopped" in first.error
    assert len(proxy.downloads()) == 5  # the tries of any request
    kept = _partial(bram, sha).stat().st_size
    assert size / 2 < kept < size and not _stored(bram, sha)

    proxy.always = None
    proxy.reset_counters()
    second = _sync(bram)
    assert second.ok and _stored(bram, sha)
    [resumed] = proxy.downloads()
    assert resumed.status == 206 and resumed.bytes_down < size - kept + 1000


def test_a_server_answering_a_range_with_the_whole_photo_restarts_the_file(
    laptops, proxy, bram, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    [(sha, size)] = _photos_on_server(laptops)
    real = server_blobs.send_file
    monkeypatch.setattr(  # no Range support: every answer is a 200 with the whole photo
        server_blobs, "send_file", lambda *a, **kw: real(*a, **{**kw, "conditional": False})
    )
    proxy.reset_counters()
    proxy.cuts = [0.5]
    summary = _sync(bram)
    assert summary.ok and _stored(bram, sha)
    assert [e.status for e in proxy.downloads()] == [200, 200]


def test_a_partial_file_longer_than_the_photo_is_refused_with_416_and_restarted(
    laptops, proxy, bram
) -> None:  # type: ignore[no-untyped-def]
    [(sha, size)] = _photos_on_server(laptops)
    bram.data_dir.joinpath("photos").mkdir(exist_ok=True)
    _partial(bram, sha).write_bytes(b"x" * (size + 100))  # left by something else
    proxy.reset_counters()
    summary = _sync(bram)
    assert summary.ok and _stored(bram, sha)
    assert [e.status for e in proxy.downloads()] == [416, 200]


def _damaging(monkeypatch, damaged: set[str], times: int | None) -> list[str]:  # type: ignore[no-untyped-def]
    """Serve these photos with one byte changed (the first `times` downloads, or always)."""
    real = server_blobs.send_file
    served: list[str] = []

    def send_file(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        sha = path.name.split(".")[0]
        served.append(sha)
        if sha in damaged and (times is None or served.count(sha) <= times):
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            return real(io.BytesIO(bytes(data)), *args, **kwargs)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(server_blobs, "send_file", send_file)
    return served


def test_a_photo_damaged_on_the_way_is_fetched_whole_once_more(laptops, bram, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    [(sha, _size)] = _photos_on_server(laptops)
    served = _damaging(monkeypatch, {sha}, times=1)
    summary = _sync(bram)
    assert summary.ok and summary.photos_downloaded == 1 and summary.photos_damaged == 0
    assert _stored(bram, sha) and served == [sha, sha]


def test_a_photo_damaged_twice_waits_for_the_next_sync_and_good_photos_stay(
    laptops, bram, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    (bad, _), (good, _) = _photos_on_server(laptops, seeds=(1, 2))
    with monkeypatch.context() as patch:
        served = _damaging(patch, {bad}, times=None)
        summary = _sync(bram)
    assert summary.photos_damaged == 1 and summary.photos_downloaded == 1
    assert summary.ok  # every change is sent; the photo comes with a later sync
    assert served.count(bad) == 2 and not _stored(bram, bad) and not _partial(bram, bad).exists()
    assert _stored(bram, good)

    again = _sync(bram)
    assert again.ok and again.photos_downloaded == 1 and again.photos_damaged == 0
    assert _stored(bram, bad) and _stored(bram, good)
