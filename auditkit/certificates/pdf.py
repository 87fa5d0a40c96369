"""A certificate as a PDF (17021-1 8.2.2; DOMAIN.md 1.9): page 1 states it, an annex lists the
sites of a multi-site certificate, a QR code points to its public check, and the CB signs it.

No Flask here. templates/certificates/certificate.html is rendered by Jinja and laid out by
WeasyPrint through auditkit.reports.pdf.render_pdf, as the audit report is. The only thing
WeasyPrint may load is the QR code, a PNG inside the HTML as a data: URI; every other URL is
refused, so making a certificate never touches the network. The PDF states the certificate
as it was on `today`: one not in force then (suspended, withdrawn, expired, superseded) says
so on every page.
"""

from __future__ import annotations

import base64
import functools
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from auditkit.certificates import status
from auditkit.certifications.schemes import SCHEMES, display_name
from auditkit.models.enums import CertificateStatus
from auditkit.reports.pdf import RefusedURL, render_pdf
from auditkit.resources import templates_dir

if TYPE_CHECKING:
    from auditkit.certificates.signing import CertificateSigner
    from auditkit.models import Certificate, CertificateSite
    from auditkit.reports import CBIdentity

TEMPLATE = "certificates/certificate.html"
# 8 px a module and the 4-module quiet zone the QR standard asks for: about 330 px square,
# printed 30 mm wide (near 280 dpi), which a phone reads from a printout or a screen.
QR_SCALE = 8
QR_BORDER = 4
_PNG_DATA = "data:image/png;base64,"


def verify_url(public_url: str, number: str) -> str:
    """The public check of certificate `number`: what the QR code holds."""
    return f"{public_url.rstrip('/')}/verify/{quote(number, safe='')}"


def qr_data_uri(content: str) -> str:
    """A QR code of `content` as a PNG data: URI (error correction M survives a smudge)."""
    import segno

    return segno.make(content, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def certificate_context(
    certificate: Certificate, *, today: date, public_url: str, cb: CBIdentity
) -> dict[str, Any]:
    """What the template prints, as plain strings and lists."""
    state = status.status_on(certificate, today)
    sites = list(certificate.sites)
    headquarters = next((s for s in sites if s.is_headquarters), sites[0] if sites else None)
    url = verify_url(public_url, certificate.number)
    facts = [
        ("Effective date", certificate.effective_date.isoformat()),
        ("Issue date", certificate.issue_date.isoformat()),
        ("Original certification", _day(certificate.original_date)),
        ("Current cycle started", certificate.cycle_start.isoformat()),
        ("Valid until", certificate.expiry_date.isoformat()),
    ]
    if headquarters is not None:
        label = "Headquarters" if len(sites) > 1 else "Site"
        facts.append((label, f"{headquarters.name}, {_site_location(headquarters)}"))
    if len(sites) > 1:
        facts.append(("Sites", f"{len(sites)} sites, each listed with its scope in the annex"))
    if certificate.sector_codes:
        codes = ", ".join(str(code) for code in certificate.sector_codes)
        facts.append(("IAF sectors", codes))
    if certificate.soa_version:
        facts.append(("Statement of Applicability", certificate.soa_version))
    return {
        "number": certificate.number,
        "revision": certificate.revision,
        "revision_line": _revision_line(certificate.revision),
        "holder_name": certificate.holder_name,
        "holder_location": _location(
            certificate.holder_address, certificate.holder_city, certificate.holder_country
        ),
        "standards": _standards(certificate),
        "scope": certificate.scope,
        "facts": [(label, value) for label, value in facts if value],
        "issue_date": certificate.issue_date.isoformat(),
        # The mark of accreditation only inside the accredited scope (decided at issue).
        "accreditation": cb.accreditation if certificate.accredited else "",
        "annex": len(sites) > 1,
        "sites": [
            {
                "name": s.name,
                "location": _site_location(s),
                "scope": s.scope,
                "headquarters": s.is_headquarters,
            }
            for s in sites
        ],
        "verify_url": url,
        "qr_src": qr_data_uri(url),
        "notice": _notice(state, today, url),
    }


def render_certificate_html(
    certificate: Certificate, *, today: date, public_url: str, cb: CBIdentity
) -> str:
    """The certificate's HTML page, as WeasyPrint lays it out."""
    doc = certificate_context(certificate, today=today, public_url=public_url, cb=cb)
    return _environment().get_template(TEMPLATE).render(cb=cb, doc=doc)


def render_certificate_pdf(
    certificate: Certificate,
    *,
    today: date,
    public_url: str,
    cb: CBIdentity,
    signer: CertificateSigner | None = None,
) -> bytes:
    """The certificate as a PDF, signed by `signer` when given (auditkit.certificates.signing).

    OSError when WeasyPrint or Pango cannot be loaded here (see reports.pdf.pdf_available).
    """
    html = render_certificate_html(certificate, today=today, public_url=public_url, cb=cb)
    data = render_pdf(html, base_url=None, url_fetcher=_inline_png_only)
    if signer is None:
        return data
    from auditkit.certificates.signing import sign_pdf

    return sign_pdf(data, signer)


def _inline_png_only(url: str) -> tuple[bytes, str]:
    """WeasyPrint's only source: the PNG inside the HTML (the QR code)."""
    if not url.startswith(_PNG_DATA):
        raise RefusedURL(f"A certificate PDF loads nothing but its QR code, never {url[:80]!r}.")
    return base64.b64decode(url[len(_PNG_DATA) :]), "image/png"


def _standards(certificate: Certificate) -> list[str]:
    """Each standard with its edition ("ISO 9001:2015"); VCA by its level ("VCA** 2017/6.0")."""
    scheme = SCHEMES.get(certificate.scheme)
    if not certificate.standards or (scheme is not None and scheme.vca_levels):
        return [display_name(certificate.scheme, certificate.vca_level)]
    return [f"{s['standard']}:{s['edition']}" for s in certificate.standards]


def _revision_line(revision: int) -> str:
    if revision > 0:
        return f"Revision {revision}, supersedes revision {revision - 1}"
    return "Revision 0 (first issue)"


def _notice(state: CertificateStatus, today: date, url: str) -> dict[str, str] | None:
    if state == CertificateStatus.ACTIVE:
        return None
    return {
        "headline": f"Not valid: {status.LABELS[state]}",
        "detail": f"This certificate was not in force on {today.isoformat()}, the day this copy "
        f"was made. Its current status is at {url}.",
    }


def _site_location(site: CertificateSite) -> str:
    return _location(site.address, site.city, site.country)


def _location(address: str, city: str, country: str) -> str:
    """One line: the address's lines, the city and the country, as far as they are known."""
    parts = [line.strip() for line in (address or "").splitlines()] + [city, country]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
