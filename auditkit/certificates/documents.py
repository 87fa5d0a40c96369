"""A certificate's signed PDF as the CB hands it out (staff, portal, CLI): rendered from the
current data, signed with the CB's key, named for its number and revision. No Flask."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from auditkit.certificates.pdf import render_certificate_pdf
from auditkit.certificates.signing import load_signer
from auditkit.config import cb_identity
from auditkit.models import Certificate


def certificate_pdf(
    certificate: Certificate, data_dir: Path | str, today: date, public_url: str
) -> bytes:
    return render_certificate_pdf(
        certificate,
        today=today,
        public_url=public_url,
        cb=cb_identity(),
        signer=load_signer(Path(data_dir)),
    )


def pdf_filename(certificate: Certificate) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", certificate.number).strip("-") or "certificate"
    return f"certificate-{stem}-rev{certificate.revision}.pdf"
