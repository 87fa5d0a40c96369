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
