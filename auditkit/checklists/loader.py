"""Loading and validating checklist files (format: `checklists/README.md`).

Every problem of a file is reported at once, each as `path:line: what is wrong`. Nothing here
runs at import time: the shipped directory is only looked up when asked for.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import auditkit
from auditkit.checklists._build import build
from auditkit.checklists._yaml import NodeReader, compose
from auditkit.checklists.errors import ChecklistError, ChecklistInvalid
from auditkit.checklists.model import Checklist

ENV_CHECKLISTS_DIR = "AUDITKIT_CHECKLISTS_DIR"
SUFFIXES = (".yaml", ".yml")


def shipped_checklists_dir() -> Path:
    """Where the shipped checklists live.

    `$AUDITKIT_CHECKLISTS_DIR` if set; else `auditkit/_shipped/checklists` when it exists (an
    installed wheel); else the source checkout's `checklists/` directory.
    """
    configured = os.environ.get(ENV_CHECKLISTS_DIR)
    if configured:
        return Path(configured)
    package_dir = Path(auditkit.__file__).parent
    wheel_dir = package_dir / "_shipped" / "checklists"
    if wheel_dir.is_dir():
        return wheel_dir
    return package_dir.parent / "checklists"


def _sorted_errors(errors: Iterable[ChecklistError]) -> list[ChecklistError]:
    return sorted(errors, key=lambda error: (error.path, error.line))


def parse_checklist(text: str, path: str) -> Checklist:
    """Build a checklist from YAML text, e.g. the content pinned in an audit.

    `path` names the source in error messages. When it names a `.yaml`/`.yml` file, the checklist's
    id must equal the file name without the suffix. Raises ChecklistInvalid with every error found.
    """
    root, errors = compose(text, path)
    if root is None:
        raise ChecklistInvalid(errors)
    reader = NodeReader(path)
    name = Path(path)
    expected_id = name.stem if name.suffix in SUFFIXES else None
    header = build(root, reader, expected_id)
    if header is None:
        raise ChecklistInvalid(_sorted_errors(reader.errors))
    return Checklist(
        id=header.id,
        kind=header.kind,
        standard=header.standard,
        edition=header.edition,
        amendment=header.amendment,
        title=header.title,
        language=header.language,
        version=header.version,
        unconfirmed=header.unconfirmed,
        levels=header.levels,
        level_mapping_confirmed=header.level_mapping_confirmed,
        clauses=header.clauses,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_path=path,
        raw_text=text,
    )


def load_checklist(path: str | os.PathLike[str]) -> Checklist:
    """Read and validate one checklist file; raises ChecklistInvalid with every error found."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ChecklistInvalid([ChecklistError(name, 1, f"cannot read: {exc.strerror}")]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ChecklistInvalid([ChecklistError(name, line, "the file is not UTF-8 text")]) from exc
    return parse_checklist(text, name)


def checklist_paths(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[list[Path], list[ChecklistError]]:
    """The checklist files named by `paths`: files as given, directories expanded to `*.yaml`."""
    files: list[Path] = []
    errors: list[ChecklistError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
            if not found:
                errors.append(ChecklistError(str(path), 1, "no *.yaml checklist files here"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(ChecklistError(str(path), 1, "no such file or directory"))
    return files, errors


def load_all(directory: str | os.PathLike[str]) -> list[Checklist]:
    """Every checklist of a directory, sorted by id; ChecklistInvalid lists all files' errors."""
    files, errors = checklist_paths([directory])
    checklists: list[Checklist] = []
    for file in files:
        try:
            checklists.append(load_checklist(file))
        except ChecklistInvalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise ChecklistInvalid(errors)
    return sorted(checklists, key=lambda checklist: checklist.id)


def validate_paths(paths: Iterable[str | os.PathLike[str]]) -> list[ChecklistError]:
    """Every error of the checklist files named by `paths` (files or directories); [] when valid."""
    files, errors = checklist_paths(paths)
    for file in files:
        try:
            load_checklist(file)
        except ChecklistInvalid as exc:
            errors.extend(exc.errors)
    return errors
