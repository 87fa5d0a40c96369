"""The certificate PDF: render and sign a 3-site certificate (page 1, the annex, the QR code, the
CB's signature). Target: <= 1 s, for the first PDF of a process and for the next ones.

Not timed: the certificate (an ISO 9001:2015 revision with three sites, each with its own scope,
built in memory as auditkit.decisions issues one; reading it from the database is one indexed
query) and the CB's signing key, made once in a temporary data folder before the first PDF (its
making is printed apart: a server does it once in its life).

Timed, in a fresh interpreter (spawned, so nothing is warm): `render_certificate_pdf` with the
signer, as `auditkit certificates pdf` calls it, RUNS times. The first PDF pays WeasyPrint's
import and its font set-up (as a CLI run or an app's first download does), the next ones do not;
both are held against the target. The load average is printed: on a shared machine it moves the
times. The last PDF is read back: its pages, its text, and its signature checked by pyHanko.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

RUNS = 7  # the first cold, the others warm
TIME_TARGET_S = 1.0
CB_NAME = "Example Certification B.V."


def run() -> None:
    started = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        result = pool.submit(render_child).result()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        importing = pool.submit(import_child).result()
    print(f"measured (load average {os.getloadavg()[0]:.1f})")
    report(result, importing)
    print(f"bench_certificate_pdf runtime: {time.perf_counter() - started:.0f} s")


@dataclass(frozen=True)
class Rendered:
    """What the child measured and read back."""

    key_seconds: float  # making the CB's key and self-signed certificate (once per server)
    seconds: list[float]  # each PDF, render + sign, the first one cold
    size: int
    pages: int
    sites_found: int  # site names in the annex's text, of 3
    signature_ok: bool  # intact, valid and trusted with the CB's certificate as the root


def render_child() -> Rendered:
    """Child process: import the app's modules, make the key, then RUNS signed PDFs."""
    from datetime import date

    from auditkit.certificates.pdf import render_certificate_pdf
    from auditkit.certificates.signing import load_signer
    from auditkit.reports import CBIdentity

    cb = CBIdentity(CB_NAME, "Keizersgracht 1\n1015 AA Amsterdam", "Accredited by RvA, C 000")
    certificate = three_site_certificate()
    today = date(2026, 6, 1)
    with tempfile.TemporaryDirectory(prefix="bench-certificate-pdf-") as data_dir:
        start = time.perf_counter()
        signer = load_signer(Path(data_dir), {"AUDITKIT_CB_NAME": CB_NAME})
        key_seconds = time.perf_counter() - start
        seconds, data = [], b""
        for _ in range(RUNS):
            start = time.perf_counter()
            data = render_certificate_pdf(
                certificate, today=today, public_url="https://cb.example", cb=cb, signer=signer
            )
            seconds.append(time.perf_counter() - start)
    pages, text = _read_back(data)
    found = sum(1 for site in certificate.sites if site.name in text)
    return Rendered(key_seconds, seconds, len(data), pages, found, _signature_ok(data, signer))


def import_child() -> float:
    """Child process: the seconds `import weasyprint` takes in a fresh interpreter, the part of
    the first PDF that no code of ours can make shorter."""
    import contextlib
    import io

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        import weasyprint  # noqa: F401
    return time.perf_counter() - start


def three_site_certificate():  # type: ignore[no-untyped-def]
    from datetime import date

    from auditkit.models import Certificate, CertificateSite, CertificateStatus

    certificate = Certificate(
        number="AK-QMS-2026-00042",
        revision=1,
        is_current=True,
        status=CertificateStatus.ACTIVE,
        holder_name="Bench Metaalbewerking B.V.",
        holder_address="Industrieweg 12",
        holder_city="Utrecht",
        holder_country="NL",
        scheme="iso9001-2015",
        standards=[{"standard": "ISO 9001", "edition": "2015"}],
        vca_level=None,
        scope="Design, manufacture and assembly of welded steel frames for agricultural machines.",
        sector_codes=[17, 18],
        original_date=date(2020, 3, 2),
        issue_date=date(2026, 3, 2),
        effective_date=date(2026, 3, 2),
        cycle_start=date(2026, 3, 2),
        expiry_date=date(2029, 3, 1),
        accredited=True,
        soa_version="",
    )
    scopes = ("Design and management.", "Welding and assembly.", "Storage and dispatch.")
    for n, scope in enumerate(scopes):
        certificate.sites.append(
            CertificateSite(
                position=n,
                name=f"Bench site {n + 1}",
                address=f"Industrieweg {12 + n}",
                city="Utrecht",
                country="NL",
                is_headquarters=n == 0,
                scope=scope,
            )
        )
    return certificate


def _read_back(data: bytes) -> tuple[int, str]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def _signature_ok(data: bytes, signer) -> bool:  # type: ignore[no-untyped-def]
    import io

    from asn1crypto import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(signer.certificate.public_bytes(Encoding.DER))
    [embedded] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    return bool(status.intact and status.valid and status.trusted)


def report(r: Rendered, import_seconds: float) -> None:
    first, warm = r.seconds[0], statistics.median(r.seconds[1:] or r.seconds)
    print(f"signing key and self-signed certificate made in {r.key_seconds * 1000:.0f} ms (once)")
    print(
        f"certificate PDF of {r.pages} pages, {r.size / 1e3:.0f} kB; first PDF {first:.2f} s "
        f"(importing WeasyPrint alone takes {import_seconds:.2f} s in a fresh interpreter), "
        f"then {warm:.2f} s (median of {len(r.seconds) - 1}, "
        f"{min(r.seconds[1:] or r.seconds):.2f}-{max(r.seconds[1:] or r.seconds):.2f} s)"
    )
    complete = r.pages == 2 and r.sites_found == 3 and r.signature_ok
    print(
        f"{r.sites_found} of 3 sites in the annex, signature "
        f"{'intact and trusted' if r.signature_ok else 'NOT valid'}: {verdict(complete)}"
    )
    for label, seconds in (("first PDF (cold)", first), ("next PDF (warm)", warm)):
        print(
            f"time, {label} {seconds:.2f} s (target <= {TIME_TARGET_S:g} s): "
            f"{verdict(seconds <= TIME_TARGET_S)}"
        )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
