"""The laptop's device-bound tokens, in a file only its owner can read."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

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
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.path(data_dir)
        temp = target.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, target)

    @classmethod
    def delete(cls, data_dir: Path) -> bool:
        try:
            cls.path(data_dir).unlink()
            return True
        except FileNotFoundError:
            return False
