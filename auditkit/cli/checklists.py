"""`auditkit checklists ...`: validate and list checklist files."""

from __future__ import annotations

from pathlib import Path

import click

from auditkit.checklists import (
    Checklist,
    ChecklistInvalid,
    checklist_paths,
    load_checklist,
    shipped_checklists_dir,
)

_PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


def _load(paths: tuple[Path, ...]) -> tuple[list[tuple[Path, Checklist | ChecklistInvalid]], bool]:
    """Load every file named by `paths` (default: the shipped ones), printing path errors."""
    files, errors = checklist_paths(paths or (shipped_checklists_dir(),))
    for error in errors:
        click.echo(str(error), err=True)
    results: list[tuple[Path, Checklist | ChecklistInvalid]] = []
    for file in files:
        try:
            results.append((file, load_checklist(file)))
        except ChecklistInvalid as exc:
            results.append((file, exc))
    return results, bool(errors)


@click.group()
def checklists() -> None:
    """Validate and list checklists."""


@checklists.command()
@_PATHS
def validate(paths: tuple[Path, ...]) -> None:
    """Check checklist files or directories (default: the shipped checklists); exit 1 on errors."""
    results, failed = _load(paths)
    for file, result in results:
        if isinstance(result, ChecklistInvalid):
            failed = True
            for error in result.errors:
                click.echo(str(error), err=True)
            count = len(result.errors)
            click.echo(f"{file.name}: {count} error{'s' if count != 1 else ''}")
        else:
            counts = result.counts()
            click.echo(
                f"{file.name}: ok ({counts.clauses} clauses, {counts.auditable} auditable, "
                f"{counts.questions} questions)"
            )
    if failed:
        raise SystemExit(1)


@checklists.command(name="list")
@_PATHS
def list_(paths: tuple[Path, ...]) -> None:
    """Show the checklists (default: the shipped ones) as a table; invalid files exit 1."""
    results, failed = _load(paths)
    header = ("id", "standard", "edition", "version", "clauses", "questions")
    rows = [header]
    for _, result in results:
        if isinstance(result, ChecklistInvalid):
            failed = True
            for error in result.errors:
                click.echo(str(error), err=True)
            continue
        counts = result.counts()
        rows.append(
            (
                result.id,
                result.standard,
                result.edition,
                result.version,
                str(counts.clauses),
                str(counts.questions),
            )
        )
    rows[1:] = sorted(rows[1:])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if failed:
        raise SystemExit(1)
