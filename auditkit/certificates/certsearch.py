"""The CB's certificates as rows of IAF CertSearch's upload template (IAF MD 28; DOMAIN.md
1.10), written as Excel (the template's own format) or CSV. No Flask.

One row per certificate, from its current revision. Dates are YYYYMMDD text, as the template
asks. The identity number CertSearch keys its record on must not change when a certificate
is revised, so it is the id of the certificate's first revision, not of the current one.
Clients who asked to stay out of our public directory are exported all the same, marked
Confidential, which is how CertSearch keeps a certification out of its public search.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from auditkit.certificates.status import certsearch_status
from auditkit.models import Certificate, Organisation

COLUMNS = (
    "Certification Identity Number",
    "Certificate Number",
    "Certification Status",
    "Accreditation Status",
    "Certification Type",
    "Certification Scope",
    "Certification Original Issue Date",
    "Certification Issue Date",
    "Certification Expiry Date",
    "Certified Entity Name",
    "Certified Entity Unique Id",
    "Certified Entity Address",
    "Certified Entity City",
    "Certified Entity Country",
    "Additional Certification Sites",
    "Standards",
    "Technical Sectors",
    "Confidential",
)
MULTI_LINE = ("Certification Scope", "Certified Entity Address", "Additional Certification Sites")

Row = dict[str, str]


def rows(session: Session, today: date) -> list[Row]:
    """One row per certificate (its current revision), by number; status as on `today`."""
    found = session.execute(
        select(Certificate, Organisation.public_directory)
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .where(Certificate.is_current.is_(True))
        .order_by(Certificate.number)
        .options(selectinload(Certificate.sites))
    ).all()
    identities = _first_revision_ids(session)
    return [
        _row(cert, identities.get(cert.number, cert.id), listed, today) for cert, listed in found
    ]


def _first_revision_ids(session: Session) -> dict[str, object]:
    first = (
        select(Certificate.number, func.min(Certificate.revision).label("revision"))
        .group_by(Certificate.number)
        .subquery()
    )
    pairs = session.execute(
        select(Certificate.number, Certificate.id).join(
            first,
            (first.c.number == Certificate.number) & (first.c.revision == Certificate.revision),
        )
    ).all()
    return dict(pairs)  # type: ignore[arg-type]


def _row(cert: Certificate, identity: object, listed: bool, today: date) -> Row:
    additional = [
        ", ".join(part for part in (s.name, s.address, s.city, s.country) if part)
        for s in cert.sites
        if not s.is_headquarters
    ]
    return {
        "Certification Identity Number": str(identity),
        "Certificate Number": cert.number,
        "Certification Status": certsearch_status(cert, today),
        "Accreditation Status": "Accredited" if cert.accredited else "Unaccredited",
        "Certification Type": "Management System",
        "Certification Scope": cert.scope,
        "Certification Original Issue Date": _day(cert.original_date),
        "Certification Issue Date": _day(cert.issue_date),
        "Certification Expiry Date": _day(cert.expiry_date),
        "Certified Entity Name": cert.holder_name,
        "Certified Entity Unique Id": str(cert.organisation_id),
        "Certified Entity Address": cert.holder_address,
        "Certified Entity City": cert.holder_city,
        "Certified Entity Country": cert.holder_country,
        "Additional Certification Sites": "\n".join(additional),
        "Standards": "; ".join(_standard(s) for s in cert.standards),
        "Technical Sectors": ", ".join(str(code) for code in cert.sector_codes),
        "Confidential": "No" if listed else "Yes",
    }


def _standard(entry: dict[str, str]) -> str:
    """ "ISO 9001:2015" (plus an amendment when the certificate names one)."""
    separator = " " if "/" in entry.get("edition", "") else ":"  # VCA 2017/6.0
    text = f"{entry['standard']}{separator}{entry['edition']}"
    return f"{text} + {entry['amendment']}" if entry.get("amendment") else text


def _day(day: date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def write_xlsx(found: Iterable[Row], path: Path) -> None:
    """An Excel workbook: one sheet, the column names in the first row, every cell text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Certifications"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in found:
        sheet.append([row[name] for name in COLUMNS])
        for name, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            # Text stays text: a name starting with "=" must never become a formula.
            cell.data_type = "s"
            if name in MULTI_LINE:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    book.save(path)


def write_csv(found: Iterable[Row], path: Path) -> None:
    """UTF-8 CSV with a header row; multi-line cells are quoted, as csv does."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(found)
