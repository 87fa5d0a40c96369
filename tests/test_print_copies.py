"""Print copies: made once beside the stored photo, read by every report PDF after."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from auditkit.photos import normalize
from auditkit.photostore import PhotoStore
from auditkit.print_copies import PRINT_LONG_EDGE, keep_print_copy, read_print_copy
from tests.test_report_pdf import camera_jpeg


def _stored(store: PhotoStore, data: bytes) -> str:
    photo = normalize(data)
    store.put(photo.jpeg, photo.sha256)
    return photo.sha256


def _jpeg(size: tuple[int, int], colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos")


def test_a_print_copy_is_made_once_and_read_after(store: PhotoStore) -> None:
    sha = _stored(store, camera_jpeg(1))
    copy = keep_print_copy(store, sha)
    assert copy is not None and store.print_path(sha).read_bytes() == copy
    with Image.open(io.BytesIO(copy)) as image:
        assert image.format == "JPEG" and max(image.size) == PRINT_LONG_EDGE
    # What is kept is what a report gets: replace it and the report shows the replacement.
    marker = _jpeg((1000, 750), "blue")
    store.print_path(sha).write_bytes(marker)
    assert read_print_copy(store, sha) == marker
    assert keep_print_copy(store, sha) == marker


def test_a_photo_stored_without_one_gets_it_at_its_first_report(store: PhotoStore) -> None:
    sha = _stored(store, camera_jpeg(2))
    assert not store.print_path(sha).exists()
    copy = read_print_copy(store, sha)
    assert store.print_path(sha).read_bytes() == copy
    assert len(copy) < store.path(sha).stat().st_size


def test_a_small_photo_is_its_own_print_copy_and_is_not_stored_twice(store: PhotoStore) -> None:
    sha = _stored(store, _jpeg((800, 600)))
    assert keep_print_copy(store, sha) == store.path(sha).read_bytes()
    assert read_print_copy(store, sha) == store.path(sha).read_bytes()
    assert not store.print_path(sha).exists()


def test_a_stored_file_that_is_no_jpeg_gets_no_print_copy(store: PhotoStore) -> None:
    import hashlib

    data = b"%PDF-1.7 not a photo"
    sha = hashlib.sha256(data).hexdigest()
    store.put(data, sha)
    assert keep_print_copy(store, sha, data) is None
    assert read_print_copy(store, sha) == data  # WeasyPrint refuses it and shows the caption
    assert not store.print_path(sha).exists()


def test_a_disk_that_takes_no_copy_still_gives_the_report_one(
    store: PhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = _stored(store, camera_jpeg(3))

    def full(data: bytes, sha256: str) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "put_print_copy", full)
    copy = read_print_copy(store, sha)
    with Image.open(io.BytesIO(copy)) as image:
        assert max(image.size) == PRINT_LONG_EDGE
    assert not store.print_path(sha).exists()


def test_a_missing_photo_is_not_found(store: PhotoStore) -> None:
    with pytest.raises(FileNotFoundError):
        read_print_copy(store, "0" * 64)
    with pytest.raises(FileNotFoundError):
        keep_print_copy(store, "0" * 64)


def test_remove_takes_the_photo_and_every_rendition(store: PhotoStore) -> None:
    sha = _stored(store, camera_jpeg(4))
    store.put_thumbnail(b"thumbnail", sha)
    keep_print_copy(store, sha)
    store.remove(sha)
    assert not any(
        path.exists()
        for path in (store.path(sha), store.thumbnail_path(sha), store.print_path(sha))
    )
    store.remove(sha)  # nothing left: still fine
