"""The certificate PDF: what page 1 and the annex state, the QR code, the CB's signature and the
key it is made with, and `auditkit certificates pdf`. Every PDF is really rendered by WeasyPrint
and read back: the text with pypdf, the QR code with zxing-cpp, the signature with pyHanko."""

from __future__ import annotations

import io
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from auditkit.certificates.pdf import render_certificate_pdf, verify_url
from auditkit.certificates.signing import (
    CERT_ENV,
    KEY_ENV,
    CertificateSigner,
    SigningKeyError,
    load_signer,
    sign_pdf,
)
from auditkit.cli import main
from auditkit.models import CertificateStatus
from auditkit.reports import CBIdentity
from auditkit.reports.pdf import pdf_available

pytestmark = pytest.mark.skipif(not pdf_available()[0], reason="WeasyPrint cannot load Pango")

CB_NAME = "Example Certification B.V."
ACCREDITATION = "Accredited by RvA under registration C 000 for the scopes on its register"
CB = CBIdentity(CB_NAME, "Keizersgracht 1\n1015 AA Amsterdam", ACCREDITATION)
PUBLIC_URL = "http://cb.example"
TODAY = date.today()


@pytest.fixture(autouse=True)
def cb_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CB's name, and no signing key named by the machine running the tests."""
    for name in (KEY_ENV, CERT_ENV, "AUDITKIT_CB_ADDRESS", "AUDITKIT_CB_ACCREDITATION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITKIT_CB_NAME", CB_NAME)


def _certificate(factory, *, sites=1, scheme="iso9001-2015", vca_level=None, **fields):  # type: ignore[no-untyped-def]
    """A current certificate of a new client with `sites` sites, as the factories issue it."""
    org = factory.organisation(sites=sites)
    certification = factory.certification(organisation=org, scheme=scheme, vca_level=vca_level)
    return factory.certificate(certification, **fields)


def _pdf(certificate, *, today: date = TODAY, signer: CertificateSigner | None = None) -> bytes:  # type: ignore[no-untyped-def]
    return render_certificate_pdf(
        certificate, today=today, public_url=PUBLIC_URL, cb=CB, signer=signer
    )


def _pages(data: bytes) -> list[str]:
    """Each page's text with its whitespace made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _qr_codes(data: bytes) -> list[str]:
    """The QR codes read from the images of page 1 (the annex pages share its resources)."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    return [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signature(data: bytes, trusted: x509.Certificate):  # type: ignore[no-untyped-def]
    """The PDF's one embedded signature and pyHanko's verdict on it, `trusted` as the root."""
    [embedded] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=[_asn1(trusted)])
    return embedded, validate_pdf_signature(embedded, context)


# ---- what the certificate states ----


def test_page_one_states_the_certificate(factory) -> None:  # type: ignore[no-untyped-def]
    cert = _certificate(factory, number="AK-QMS-2026-00042")
    [page] = _pages(_pdf(cert))
    for expected in (
        CB_NAME,
        "Keizersgracht 1",
        "CERTIFICATE",
        "AK-QMS-2026-00042",
        "Revision 0 (first issue)",
        cert.holder_name,
        "Utrecht, NL",
        "ISO 9001:2015",
        cert.scope,
        f"Effective date {cert.effective_date.isoformat()}",
        f"Issue date {cert.issue_date.isoformat()}",
        f"Original certification {cert.original_date.isoformat()}",
        f"Current cycle started {cert.cycle_start.isoformat()}",
        f"Valid until {cert.expiry_date.isoformat()}",
        f"Site {cert.sites[0].name}, {cert.sites[0].address}, Utrecht, NL",
        "IAF sectors 17",
        "Check that this certificate is valid",
    ):
        assert expected in page, expected
    assert "Annex" not in page and "Statement of Applicability" not in page


def test_a_revision_says_which_it_supersedes(factory) -> None:  # type: ignore[no-untyped-def]
    [page] = _pages(_pdf(_certificate(factory, revision=2)))
    assert "Revision 2, supersedes revision 1" in page


def test_isms_certificate_names_its_statement_of_applicability(factory) -> None:  # type: ignore[no-untyped-def]
    cert = _certificate(factory, scheme="iso27001-2022", soa_version="SoA issue 7 of 2026-01-12")
    [page] = _pages(_pdf(cert))
    assert "ISO/IEC 27001:2022" in page
    assert "Statement of Applicability SoA issue 7 of 2026-01-12" in page


def test_vca_certificate_names_its_level(factory) -> None:  # type: ignore[no-untyped-def]
    [page] = _pages(_pdf(_certificate(factory, scheme="vca-2017", vca_level="star2")))
    assert "VCA** 2017/6.0" in page


@pytest.mark.parametrize("accredited", [True, False])
def test_accreditation_is_printed_only_on_an_accredited_certificate(
    factory, accredited: bool
) -> None:  # type: ignore[no-untyped-def]
    [page] = _pages(_pdf(_certificate(factory, accredited=accredited)))
    assert (ACCREDITATION in page) is accredited


def test_multi_site_certificate_lists_every_site_in_an_annex(factory) -> None:  # type: ignore[no-untyped-def]
    cert = _certificate(factory, sites=3, number="AK-QMS-2026-00077")
    for n, site in enumerate(cert.sites):
        site.scope = f"Scope of site {n}: welding of frames."
    factory.session.flush()
    first, annex = _pages(_pdf(cert))
    headquarters = next(s for s in cert.sites if s.is_headquarters)
    assert f"Headquarters {headquarters.name}, {headquarters.address}" in first
    assert "3 sites, each listed with its scope in the annex" in first
    assert "Annex: sites covered by certificate AK-QMS-2026-00077" in annex
    for n, site in enumerate(cert.sites):
        assert f"{site.name} {site.address}, Utrecht, NL" in annex
        assert f"Scope of site {n}: welding of frames." in annex


def test_valid_certificate_has_no_notice(factory) -> None:  # type: ignore[no-untyped-def]
    [page] = _pages(_pdf(_certificate(factory)))
    assert "Not valid" not in page and "NOT VALID" not in page


@pytest.mark.parametrize(
    ("fields", "days_after_expiry", "label"),
    [
        ({"status": CertificateStatus.SUSPENDED}, None, "suspended"),
        ({"status": CertificateStatus.WITHDRAWN}, None, "withdrawn"),
        ({}, 1, "expired"),
        ({"is_current": False}, None, "superseded"),
    ],
)
def test_certificate_not_in_force_says_so_on_every_page(
    factory, fields: dict, days_after_expiry: int | None, label: str
) -> None:  # type: ignore[no-untyped-def, type-arg]
    cert = _certificate(factory, sites=2, **fields)
    today = cert.expiry_date + timedelta(days=days_after_expiry) if days_after_expiry else TODAY
    data = _pdf(cert, today=today)
    first, annex = _pages(data)
    assert f"Not valid: {label}" in first
    assert f"not in force on {today.isoformat()}" in first
    assert "NOT VALID" in first and "NOT VALID" in annex  # the mark across each page


# ---- the QR code ----


def test_qr_code_holds_the_verify_url(factory) -> None:  # type: ignore[no-untyped-def]
    cert = _certificate(factory, number="AK/QMS 2026-7")
    data = _pdf(cert)
    url = "http://cb.example/verify/AK%2FQMS%202026-7"
    assert verify_url(PUBLIC_URL + "/", cert.number) == url
    assert _qr_codes(data) == [url]
    assert url in _pages(data)[0]


# ---- the signature ----


def test_signature_of_the_cb_validates(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    signer = load_signer(tmp_path / "server")
    data = _pdf(_certificate(factory, sites=3), signer=signer)
    embedded, verdict = _signature(data, signer.certificate)
    assert verdict.intact and verdict.valid and verdict.trusted
    assert verdict.docmdp_ok and verdict.bottom_line
    assert embedded.sig_object["/Reason"] == f"Issued by {CB_NAME}"
    assert [float(v) for v in embedded.sig_field["/Rect"]] == [0, 0, 0, 0]  # invisible
    assert signer.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        CB_NAME
    )
    assert len(_pages(data)) == 2 and _qr_codes(data)  # still the same document


def test_changing_one_signed_byte_breaks_the_signature(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    signer = load_signer(tmp_path / "server")
    data = bytearray(_pdf(_certificate(factory), signer=signer))
    # The binary comment on the second line: inside the signed range, read by no parser.
    data[data.index(b"\n") + 2] ^= 0x01
    _, verdict = _signature(bytes(data), signer.certificate)
    assert not verdict.intact and not verdict.bottom_line


def test_signature_from_another_key_is_not_trusted(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _pdf(_certificate(factory), signer=load_signer(tmp_path / "one"))
    _, verdict = _signature(data, load_signer(tmp_path / "other").certificate)
    assert verdict.intact and not verdict.trusted


# ---- the server's own key ----


def test_own_key_is_made_once_private_and_reused(tmp_path: Path) -> None:
    first = load_signer(tmp_path / "server")
    again = load_signer(tmp_path / "server")
    assert again.fingerprint == first.fingerprint
    [folder] = (tmp_path / "server" / "signing").iterdir()
    assert first.origin == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["certificate.pem", "key.pem"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_first_uses_at_once_share_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        signers = list(pool.map(lambda _: load_signer(tmp_path / "server"), range(8)))
    assert len({s.fingerprint for s in signers}) == 1
    assert len(list((tmp_path / "server" / "signing").iterdir())) == 1  # no temporary left


def test_a_cb_that_changes_its_name_gets_a_certificate_in_the_new_name(tmp_path: Path) -> None:
    old = load_signer(tmp_path, {"AUDITKIT_CB_NAME": "Old Name Certification"})
    new = load_signer(tmp_path, {"AUDITKIT_CB_NAME": "New Name Certification"})
    assert old.fingerprint != new.fingerprint
    assert new.certificate.subject.rfc4514_string() == (
        "O=New Name Certification,CN=New Name Certification"
    )


def test_damaged_own_key_names_its_folder(tmp_path: Path) -> None:
    signer = load_signer(tmp_path)
    (Path(signer.origin) / "key.pem").write_text("not a key")
    with pytest.raises(SigningKeyError) as caught:
        load_signer(tmp_path)
    assert signer.origin in caught.value.message
    assert "key.pem is not a PEM private key" in caught.value.message
    assert "Remove that folder" in caught.value.message


# ---- the CB's own key from the environment ----


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(**allowed: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment")
    names += ("key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})


# A PDF signer's certificate must allow non-repudiation: pyHanko's default policy asks for it.
_SIGNING_USAGE = _usage(digital_signature=True, content_commitment=True)
_CA_USAGE = _usage(key_cert_sign=True, crl_sign=True)


def _issue(subject_key, subject: str, issuer_key, issuer: str, *, ca: bool) -> x509.Certificate:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_SIGNING_USAGE if not ca else _CA_USAGE, critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.fixture
def cb_pem(tmp_path: Path) -> dict[str, object]:
    """A CB's RSA key and certificate issued by its CA, as PEM files (certificate + chain)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue(ca_key, "Example CB Root CA", ca_key, "Example CB Root CA", ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _issue(key, "Example CB document signing", ca_key, "Example CB Root CA", ca=False)
    key_path, cert_path = tmp_path / "cb-key.pem", tmp_path / "cb-cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + ca.public_bytes(serialization.Encoding.PEM)
    )
    return {"key": key_path, "cert": cert_path, "certificate": certificate, "ca": ca}


def test_cb_key_from_the_environment_signs(factory, tmp_path: Path, cb_pem) -> None:  # type: ignore[no-untyped-def]
    environ = {
        KEY_ENV: str(cb_pem["key"]),
        CERT_ENV: str(cb_pem["cert"]),
        "AUDITKIT_CB_NAME": CB_NAME,
    }
    signer = load_signer(tmp_path / "server", environ)
    assert signer.certificate == cb_pem["certificate"]
    assert not (tmp_path / "server" / "signing").exists()  # no key of its own is made
    _, verdict = _signature(_pdf(_certificate(factory), signer=signer), cb_pem["ca"])
    assert verdict.intact and verdict.valid and verdict.trusted  # the chain was embedded


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({KEY_ENV: "{missing}", CERT_ENV: "{cert}"}, f"{KEY_ENV} ({{missing}}) cannot be read"),
        ({KEY_ENV: "{key}", CERT_ENV: "{missing}"}, f"{CERT_ENV} ({{missing}}) cannot be read"),
        ({KEY_ENV: "{cert}", CERT_ENV: "{cert}"}, f"{KEY_ENV} ({{cert}}) is not a PEM private key"),
        ({KEY_ENV: "{key}", CERT_ENV: "{key}"}, f"{CERT_ENV} ({{key}}) is not a PEM certificate"),
        ({KEY_ENV: "{other}", CERT_ENV: "{cert}"}, "is not the key of the certificate in {cert}"),
        ({KEY_ENV: "{locked}", CERT_ENV: "{cert}"}, f"{KEY_ENV} ({{locked}}) is encrypted"),
        ({KEY_ENV: "{key}"}, f"{KEY_ENV} is set but {CERT_ENV} is not"),
        ({CERT_ENV: "{cert}"}, f"{CERT_ENV} is set but {KEY_ENV} is not"),
    ],
)
def test_unusable_cb_key_is_a_clear_error(tmp_path: Path, cb_pem, variables, says) -> None:  # type: ignore[no-untyped-def]
    other, locked = tmp_path / "other-key.pem", tmp_path / "locked-key.pem"
    for path, encryption in (
        (other, serialization.NoEncryption()),
        (locked, serialization.BestAvailableEncryption(b"secret")),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        )
    paths = {
        "key": cb_pem["key"],
        "cert": cb_pem["cert"],
        "missing": tmp_path / "nowhere" / "key.pem",
        "other": other,
        "locked": locked,
    }
    environ = {name: value.format(**paths) for name, value in variables.items()}
    with pytest.raises(SigningKeyError) as caught:
        load_signer(tmp_path / "server", environ)
    assert says.format(**paths) in caught.value.message
    assert caught.value.field in (KEY_ENV, CERT_ENV)


# ---- `auditkit certificates pdf` ----


def test_cli_writes_the_signed_pdf(factory, server_db_url, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUDITKIT_PUBLIC_URL", PUBLIC_URL)
    cert = _certificate(factory, sites=3, number="AK-QMS-2026-00123")
    factory.commit()
    target = tmp_path / "certificate.pdf"
    result = CliRunner().invoke(
        main, ["certificates", "pdf", "AK-QMS-2026-00123", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote certificate AK-QMS-2026-00123 revision 0 (valid today)" in result.output
    data = target.read_bytes()
    first, annex = _pages(data)
    assert "AK-QMS-2026-00123" in first and cert.holder_name in first
    assert all(site.name in annex for site in cert.sites)
    assert _qr_codes(data) == [f"{PUBLIC_URL}/verify/AK-QMS-2026-00123"]
    signer = load_signer(Path(os.environ["AUDITKIT_SERVER_DATA_DIR"]))  # the key it made
    assert signer.fingerprint in result.output
    _, verdict = _signature(data, signer.certificate)
    assert verdict.intact and verdict.trusted
    assert list(tmp_path.glob(".certificate.pdf.*")) == []  # no temporary left


def test_cli_unknown_number_is_a_sentence(server_db_url, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "certificate.pdf"
    result = CliRunner().invoke(main, ["certificates", "pdf", "AK-NONE-1", "-o", str(target)])
    assert result.exit_code == 1
    assert "There is no certificate 'AK-NONE-1' on this server" in result.output
    assert not target.exists()


def test_cli_bad_key_variable_is_a_sentence(server_db_url, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "nowhere.pem"))
    monkeypatch.setenv(CERT_ENV, str(tmp_path / "nowhere.pem"))
    result = CliRunner().invoke(
        main, ["certificates", "pdf", "AK-1", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1
    assert f"{KEY_ENV} ({tmp_path / 'nowhere.pem'}) cannot be read" in result.output


def test_sign_pdf_adds_one_signature_to_any_pdf(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    signer = load_signer(tmp_path)
    unsigned = _pdf(_certificate(factory))
    assert PdfFileReader(io.BytesIO(unsigned)).embedded_signatures == []
    signed = sign_pdf(unsigned, signer)
    assert signed.startswith(unsigned)  # an incremental update: the rendered bytes unchanged
    _, verdict = _signature(signed, signer.certificate)
    assert verdict.bottom_line


def test_signing_works_in_a_thread_that_runs_an_event_loop(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """pyHanko runs its own event loop; an async caller (or a test process driving a browser)
    already runs one in its thread."""
    import asyncio

    signer = load_signer(tmp_path)
    unsigned = _pdf(_certificate(factory))

    async def caller() -> bytes:
        return sign_pdf(unsigned, signer)

    signed = asyncio.run(caller())
    _, verdict = _signature(signed, signer.certificate)
    assert verdict.intact and verdict.valid
