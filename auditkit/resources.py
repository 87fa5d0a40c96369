"""Where shipped files live: in the source checkout, or inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """`templates` or `checklists`: the wheel's copy if installed, else the checkout's."""
    installed = PACKAGE_DIR / "_shipped" / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


def templates_dir() -> Path:
    return shipped_dir("templates")


def static_dir() -> Path:
    return PACKAGE_DIR / "static"
