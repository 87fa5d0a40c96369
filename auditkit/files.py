"""Data files and folders that only their owner can read, whatever the folder or the umask.

The databases hold password and token hashes, the photo store holds the audits' evidence:
nobody else on the machine may read them. A file made with open() gets 0666 minus the
process umask (0644 with the usual 022) whatever its folder's mode, so a data folder that
already existed as 0755 left them readable by everyone. Every data file is therefore
created here with mode 0600 and then fchmod'ed to exactly that: the umask only takes bits
away, and one that takes the owner's too (0o277) must not leave a file its app cannot write.
Folders the apps create get 0700 the same way; folders that already exist keep their mode
(an operator may have made them on purpose), since the files inside are closed anyway.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# SQLite's side files of a database; SQLite gives them the database file's mode.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path | str) -> Path:
    """Create `path` and its missing parents as 0700 folders (existing ones are left as
    they are); return it. Path.mkdir(parents=True) would make the parents 0755."""
    path = Path(path)
    missing = []
    current = path
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:
            continue  # another process or thread made it a moment ago
        os.chmod(folder, PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder.")
    return path


def make_private(fd: int) -> None:
    """Set an open file to exactly 0600 (a no-op when it is already)."""
    if stat.S_IMODE(os.fstat(fd).st_mode) == PRIVATE_FILE:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except PermissionError:
        pass  # an existing file of another user: we could open it, so we keep using it


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """os.open() a data file, created (or tightened) to mode 0600; the caller closes it."""
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    try:
        make_private(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_temp(folder: Path | str, prefix: str, suffix: str) -> tuple[int, str]:
    """tempfile.mkstemp() in `folder`, exactly 0600 whatever the umask."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    try:
        make_private(fd)
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return fd, name


def prepare_sqlite_file(database: Path | str) -> None:
    """Create a SQLite database file as 0600 before SQLite opens it; tighten an existing one.

    SQLite would create it with 0644 minus the umask. Its -wal, -shm and -journal files
    take the database file's mode (SQLite sets them so whatever the umask), so a 0600
    database keeps them 0600 too; side files left by an older version are tightened here.
    Does nothing when the folder does not exist: SQLite then reports that itself.
    """
    path = Path(database)
    if not path.parent.is_dir():
        return
    try:
        os.close(open_private(path, os.O_RDONLY | os.O_CREAT))
    except IsADirectoryError:
        return  # SQLite reports it
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        try:
            if stat.S_IMODE(side.stat().st_mode) != PRIVATE_FILE:
                side.chmod(PRIVATE_FILE)
        except (FileNotFoundError, PermissionError):
            continue
