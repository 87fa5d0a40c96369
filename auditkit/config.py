"""Settings from environment variables, with documented defaults.

Nothing here runs at import time: call :func:`field_settings` or :func:`server_settings`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

from auditkit.files import open_private, private_dir

APP_NAME = "auditkit"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class FieldSettings:
    """Where the laptop app keeps its data."""

    data_dir: Path

    @property
    def database_path(self) -> Path:
        return self.data_dir / "field.sqlite3"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database_path}"

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"


@dataclass(frozen=True)
class ServerSettings:
    """Where the CB server keeps its data and which database it uses."""

    data_dir: Path
    database_url: str

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"


def default_data_dir() -> Path:
    """The user data folder of this platform (e.g. ~/.local/share/auditkit)."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def field_settings(environ: dict[str, str] | None = None) -> FieldSettings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("AUDITKIT_DATA_DIR") or default_data_dir()).expanduser()
    return FieldSettings(data_dir=data_dir.resolve())


def server_settings(environ: dict[str, str] | None = None) -> ServerSettings:
    env = os.environ if environ is None else environ
    raw = env.get("AUDITKIT_SERVER_DATA_DIR") or default_data_dir() / "server"
    data_dir = Path(raw).expanduser().resolve()
    url = env.get("AUDITKIT_SERVER_DATABASE_URL") or f"sqlite:///{data_dir / 'server.sqlite3'}"
    return ServerSettings(data_dir=data_dir, database_url=url)


def prepare_dir(path: Path) -> Path:
    """Create a data folder (and its missing parents) readable by its owner only."""
    return private_dir(path)


def load_secret_key(data_dir: Path) -> str:
    """Return the app's secret key, generating it on first start.

    The key lives in the data folder with owner-only permissions, so it survives
    restarts (sessions stay valid) and is never part of the code. It is written to a
    temporary file, fsynced and renamed into place, so a crash or power cut during the
    first start can never leave an empty key behind; an empty or short file is replaced.
    """
    prepare_dir(data_dir)
    path = data_dir / "secret_key"
    try:
        key = path.read_text().strip()
        if len(key) >= MIN_SECRET_LENGTH:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    temp = data_dir / f".secret_key.{os.getpid()}.tmp"
    with os.fdopen(open_private(temp), "w") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    # Two first starts at once: os.link fails for the second, which then reads the winner's.
    try:
        os.link(temp, path)
    except FileExistsError:
        existing = path.read_text().strip()
        if len(existing) >= MIN_SECRET_LENGTH:
            temp.unlink()
            return existing
        os.replace(temp, path)  # a damaged leftover: ours replaces it
    else:
        temp.unlink()
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return path.read_text().strip()


if TYPE_CHECKING:
    from auditkit.reports import CBIdentity


def cb_identity(environ: dict[str, str] | None = None) -> CBIdentity:
    """The certification body named on audit reports.

    AUDITKIT_CB_NAME (default "auditkit demo certification body"), AUDITKIT_CB_ADDRESS and
    AUDITKIT_CB_ACCREDITATION (e.g. "Accredited by RvA, registration C 000"; both default empty).
    """
    from auditkit.reports import CBIdentity  # the report's type; imported late to keep config light

    env = os.environ if environ is None else environ
    return CBIdentity(
        name=(env.get("AUDITKIT_CB_NAME") or "").strip() or "auditkit demo certification body",
        address=(env.get("AUDITKIT_CB_ADDRESS") or "").strip(),
        accreditation=(env.get("AUDITKIT_CB_ACCREDITATION") or "").strip(),
    )
