"""The photo store: content-addressed, atomic, durable, and impossible to escape."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from auditkit.photostore import PhotoStore

DATA = b"\xff\xd8\xff not really a JPEG, the store does not care \xff\xd9"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_put_writes_under_a_two_letter_folder_and_reads_back(store: PhotoStore) -> None:
    path = store.put(DATA, SHA)

    assert path == store.root / SHA[:2] / f"{SHA}.jpg" == store.path(SHA)
    assert store.exists(SHA)
    with store.open(SHA) as handle:
        assert handle.read() == DATA
    assert store.verify(SHA)


def test_thumbnail_lives_beside_its_photo(store: PhotoStore) -> None:
    store.put(DATA, SHA)
    path = store.put_thumbnail(b"small", SHA)
    assert path == store.thumbnail_path(SHA) == store.root / SHA[:2] / f"{SHA}.thumb.jpg"
    assert path.read_bytes() == b"small"
    assert files_under(store.root) == [f"{SHA[:2]}/{SHA}.jpg", f"{SHA[:2]}/{SHA}.thumb.jpg"]


def test_put_refuses_bytes_that_do_not_match_their_sha256(store: PhotoStore) -> None:
    with pytest.raises(ValueError, match="do not match"):
        store.put(DATA + b"x", SHA)
    assert not store.root.exists() or files_under(store.root) == []


def test_putting_the_same_photo_twice_does_not_rewrite_it(
    store: PhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put(DATA, SHA)
    store.put_thumbnail(b"small", SHA)

    def no_rewrite(*args: object) -> None:
        raise AssertionError("an existing photo was rewritten")

    monkeypatch.setattr(os, "replace", no_rewrite)
    assert store.put(DATA, SHA) == store.path(SHA)
    assert store.put_thumbnail(b"small", SHA) == store.thumbnail_path(SHA)


def test_a_torn_file_of_the_wrong_size_is_replaced(store: PhotoStore) -> None:
    store.path(SHA).parent.mkdir(parents=True)
    store.path(SHA).write_bytes(DATA[:5])
    assert not store.verify(SHA)
    store.put(DATA, SHA)
    assert store.verify(SHA)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../" * 10 + "etc/passwd",
        "/etc/passwd",
        SHA.upper(),
        SHA[:63],
        SHA + "0",
        SHA + "\n",
        "..",
        SHA[:62] + "/.",
        "g" * 64,
    ],
    ids=["empty", "dotdot", "absolute", "upper", "short", "long", "newline", "dots", "slash", "g"],
)
def test_only_a_sha256_can_name_a_file(store: PhotoStore, bad: str) -> None:
    for call in (store.path, store.thumbnail_path, store.exists, store.open, store.verify):
        with pytest.raises(ValueError, match="sha256"):
            call(bad)
    with pytest.raises(ValueError):
        store.put(DATA, bad)
    with pytest.raises(ValueError):
        store.put_thumbnail(DATA, bad)


def test_missing_photo_is_reported_not_invented(store: PhotoStore) -> None:
    assert not store.exists(SHA)
    assert not store.verify(SHA)
    with pytest.raises(FileNotFoundError):
        store.open(SHA)


def test_changed_bytes_on_disk_fail_verification(store: PhotoStore) -> None:
    store.put(DATA, SHA).write_bytes(DATA.replace(b"JPEG", b"JPEX"))
    assert store.exists(SHA)
    assert not store.verify(SHA)


def test_crash_before_rename_leaves_no_file_and_no_temp(
    store: PhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.put(DATA, SHA)
    with pytest.raises(OSError, match="power cut"):
        store.put_thumbnail(b"small", SHA)
    assert not store.exists(SHA)
    assert files_under(store.root) == []


def test_data_is_fsynced_before_the_rename(
    store: PhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(source: str, target: Path) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.put(DATA, SHA)
    assert events[:2] == ["fsync", "replace"]
    if os.name != "nt":
        assert events[2:] == ["fsync", "fsync"]  # the new folder and the root that lists it


def test_no_temp_files_are_left_behind(store: PhotoStore) -> None:
    for n in range(5):
        data = DATA + bytes([n])
        store.put(data, hashlib.sha256(data).hexdigest())
    assert not [name for name in files_under(store.root) if name.endswith(".tmp")]
    assert len(files_under(store.root)) == 5
