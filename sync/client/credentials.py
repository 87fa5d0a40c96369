"""The laptop's device-bound tokens, in a file only its owner can read."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from auditkit.files import open_private, private_dir

FILE_NAME = "sync-credentials.json"


@dataclass
class Credentials:
    server_url: str
    device_id: str
    user_id: str
    username: str
    access_token: str
    refresh_token: str

    @staticmethod
    def path(data_dir: Path) -> Path:
        return data_dir / FILE_NAME

    @classmethod
    def load(cls, data_dir: Path) -> Credentials | None:
        try:
            return cls(**json.loads(cls.path(data_dir).read_text()))
        except FileNotFoundError:
            return None

    def save(self, data_dir: Path) -> None:
        """Write atomically with mode 0600 (a half-written token file would lock us out)."""
        private_dir(data_dir)
        target = self.path(data_dir)
        temp = target.with_suffix(".tmp")
        with os.fdopen(open_private(temp), "w") as handle:
            json.dump(asdict(self), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)

    @classmethod
    def delete(cls, data_dir: Path) -> bool:
        try:
            cls.path(data_dir).unlink()
            return True
        except FileNotFoundError:
            return False


PENDING_FILE = "sync-logout-pending.json"


def _write_private(path: Path, data: object) -> None:
    temp = path.with_suffix(".tmp")
    with os.fdopen(open_private(temp), "w") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def pending_logouts(data_dir: Path) -> list[dict[str, str]]:
    """Logouts the server has not heard of yet: (server_url, refresh_token) to revoke."""
    try:
        entries = json.loads((data_dir / PENDING_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def save_pending_logouts(data_dir: Path, entries: list[dict[str, str]]) -> None:
    path = data_dir / PENDING_FILE
    if entries:
        _write_private(path, entries)
    else:
        path.unlink(missing_ok=True)
