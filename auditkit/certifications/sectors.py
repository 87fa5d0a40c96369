"""The IAF sector codes, as data (data/iaf_sectors.yaml): what a certification's scope is
classed under and what auditors are qualified for."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

SECTORS_FILE = Path(__file__).parent / "data" / "iaf_sectors.yaml"


@functools.cache
def iaf_sectors() -> dict[int, str]:
    """{1: "Agriculture, forestry and fishing", ..., 39: ...}, checked on first read."""
    raw = yaml.safe_load(SECTORS_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or sorted(raw) != list(range(1, 40)):
        raise ValueError(f"{SECTORS_FILE}: expected the codes 1 to 39, each once")
    return {int(code): str(title) for code, title in raw.items()}


def sector_label(code: int) -> str:
    title = iaf_sectors().get(code)
    return f"IAF {code}: {title}" if title else f"IAF {code}"
