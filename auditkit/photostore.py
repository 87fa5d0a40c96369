"""Content-addressed photo files: `<root>/<aa>/<sha256>.jpg`, and beside it the renditions made
from it: `<sha256>.thumb.jpg` (for pages) and `<sha256>.print.jpg` (for report PDFs).

Every write goes to a temporary file in the final folder, is fsynced, renamed over the final name
(atomic on the same filesystem) and the folder is fsynced, so a crash leaves either no file or the
whole file, never a torn one. Callers commit the database row only after `put` returned.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import BinaryIO

from auditkit.files import private_dir, private_temp

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
TEMP_SUFFIX = ".tmp"


class PhotoStore:
    """Photo bytes on disk, named by the sha256 of the stored JPEG."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the photo named `sha256` lives (whether or not it exists)."""
        return self._folder(sha256) / f"{sha256}.jpg"

    def thumbnail_path(self, sha256: str) -> Path:
        """Where the thumbnail of the photo named `sha256` lives."""
        return self._folder(sha256) / f"{sha256}.thumb.jpg"

    def print_path(self, sha256: str) -> Path:
        """Where the print copy of the photo named `sha256` lives (auditkit.print_copies)."""
        return self._folder(sha256) / f"{sha256}.print.jpg"

    def exists(self, sha256: str) -> bool:
        """True when the photo's bytes are in the store."""
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open the photo for reading; FileNotFoundError when it is not stored."""
        return self.path(sha256).open("rb")

    def put(self, data: bytes, sha256: str, *, checked: bool = False) -> Path:
        """Store a photo's bytes durably under their sha256; a no-op when present.

        The bytes are hashed and compared first, unless `checked`: the caller has just
        hashed these very bytes (a second pass over a large photo costs real time).
        """
        target = self.path(sha256)
        if not checked and hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("The photo's bytes do not match the sha256 they were given.")
        _write_durably(target, data)
        return target

    def put_thumbnail(self, data: bytes, sha256: str) -> Path:
        """Store the thumbnail of the photo named `sha256`; a no-op when present."""
        target = self.thumbnail_path(sha256)
        _write_durably(target, data)
        return target

    def put_print_copy(self, data: bytes, sha256: str) -> Path:
        """Store the print copy of the photo named `sha256`; a no-op when present."""
        target = self.print_path(sha256)
        _write_durably(target, data)
        return target

    def remove(self, sha256: str) -> None:
        """Delete the photo and every rendition of it (nothing happens for what is absent)."""
        for path in (self.path(sha256), self.thumbnail_path(sha256), self.print_path(sha256)):
            path.unlink(missing_ok=True)

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored photo: False when it is missing or its bytes changed on disk."""
        try:
            with self.open(sha256) as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest() == sha256
        except FileNotFoundError:
            return False

    def _folder(self, sha256: str) -> Path:
        # Only 64 lowercase hex digits reach the filesystem, so no name can leave the root.
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise ValueError(f"Not a sha256 (64 lowercase hex digits): {sha256!r}")
        return self.root / sha256[:2]


def _write_durably(target: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename over `target`, fsync the folder."""
    try:
        if target.stat().st_size == len(data):
            return  # content-addressed: the same name and size means the same bytes
    except FileNotFoundError:
        pass
    folder = target.parent
    new_folder = not folder.is_dir()
    private_dir(folder)
    fd, temp_name = private_temp(folder, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    if new_folder:
        _fsync_folder(folder.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename or a new entry in `folder` durable (POSIX; Windows cannot open folders)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
