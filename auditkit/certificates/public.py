"""What the public may learn of a certificate (17021-1 8.1.3; DOMAIN.md 1.10): the one place
that spells it, for the /verify pages, the JSON API and the QR code's target.

Only what the certificate itself states: holder, standard and edition, scope per site, dates,
number, revision and status on the day asked. Never the client's contacts, audits, findings
or anything else the CB holds. No Flask.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from auditkit.certificates import status
from auditkit.certifications.schemes import display_name
from auditkit.models import Certificate, CertificateStatus, Organisation

SEARCH_LIMIT = 50


def find(session: Session, number: str) -> Certificate | None:
    """The current revision of the certificate with this number (as printed), if any; a draft
    is not issued, so the public never sees it."""
    number = number.strip()
    if not number or len(number) > 60:
        return None
    return session.scalars(
        select(Certificate)
        .where(
            Certificate.number == number,
            Certificate.is_current.is_(True),
            Certificate.status != CertificateStatus.DRAFT,
        )
        .options(selectinload(Certificate.sites))
    ).first()


def search_holders(session: Session, name: str) -> list[Certificate]:
    """Current certificates whose holder's name contains `name`, among the clients listed in
    the public directory (a lookup by number answers whatever the client chose)."""
    name = name.strip()
    if len(name) < 2:
        return []
    pattern = "%" + name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            select(Certificate)
            .join(Organisation, Organisation.id == Certificate.organisation_id)
            .where(
                Certificate.is_current.is_(True),
                Certificate.status != CertificateStatus.DRAFT,
                Organisation.public_directory.is_(True),
                func.lower(Certificate.holder_name).like(pattern, escape="\\"),
            )
            .order_by(Certificate.holder_name, Certificate.number)
            .limit(SEARCH_LIMIT)
            .options(selectinload(Certificate.sites))
        )
    )


def view(certificate: Certificate, today: date) -> dict[str, Any]:
    """The public record of a certificate on `today`: the JSON API's body, the page's data."""
    state = status.status_on(certificate, today)
    return {
        "number": certificate.number,
        "revision": certificate.revision,
        "status": state.value,
        "status_label": status.LABELS[state],
        "valid": state.value == "active",
        "holder": {
            "name": certificate.holder_name,
            "address": certificate.holder_address,
            "city": certificate.holder_city,
            "country": certificate.holder_country,
        },
        "certified_to": display_name(certificate.scheme, certificate.vca_level),
        "standards": [
            {"standard": s["standard"], "edition": s["edition"]} for s in certificate.standards
        ],
        "scope": certificate.scope,
        "sites": [
            {
                "name": s.name,
                "address": s.address,
                "city": s.city,
                "country": s.country,
                "headquarters": s.is_headquarters,
                "scope": s.scope,
            }
            for s in certificate.sites
        ],
        "sector_codes": list(certificate.sector_codes),
        "original_date": _iso(certificate.original_date),
        "issue_date": certificate.issue_date.isoformat(),
        "effective_date": certificate.effective_date.isoformat(),
        "expiry_date": certificate.expiry_date.isoformat(),
        "status_since": _iso(certificate.status_since),
        "accredited": certificate.accredited,
        "checked_on": today.isoformat(),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
