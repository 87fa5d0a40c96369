"""The key that signs the CB's certificate PDFs, and the signing itself (pyHanko). No Flask.

A CB with a key and certificate of its own (from a CA that PDF readers trust, or from its own
CA) names two PEM files:

- AUDITKIT_CERT_SIGNING_KEY: the private key (RSA or EC, not encrypted; keep the file
  readable by the server's user only);
- AUDITKIT_CERT_SIGNING_CERT: its certificate, optionally followed by the CA certificates of
  its chain (they go into each signature, so a reader can build the path).

Without them, the server makes a key and a self-signed certificate named for the CB
(AUDITKIT_CB_NAME) once, in <server data folder>/signing/, and signs with them from then on.
A reader shows such a signature as intact, but from a signer it does not know until the
CB's certificate is trusted there.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from auditkit.certificates.settings import CertificateSettingsError
from auditkit.config import cb_identity
from auditkit.files import PRIVATE_DIR, open_private, private_dir

KEY_ENV = "AUDITKIT_CERT_SIGNING_KEY"
CERT_ENV = "AUDITKIT_CERT_SIGNING_CERT"
KEY_FILE = "key.pem"
CERT_FILE = "certificate.pem"
SELF_SIGNED_YEARS = 10
# The kinds of key PDF readers check signatures of (Ed25519 is allowed by PDF 2.0, rarely read).
_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningKeyError(CertificateSettingsError):
    """The signing key or certificate cannot be used; the message names the variable or the
    folder, and what to do."""


@dataclass(frozen=True)
class CertificateSigner:
    """The CB's key and certificate, ready to sign."""

    cb_name: str
    certificate: x509.Certificate  # the signer's own (cryptography's type)
    origin: str  # where the key came from, for messages
    pyhanko: SimpleSigner

    @property
    def fingerprint(self) -> str:
        """The certificate's SHA-256 fingerprint, as a CB publishes it for readers to compare."""
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def load_signer(data_dir: Path, environ: Mapping[str, str] | None = None) -> CertificateSigner:
    """The CB's signer: the two PEM files named by the environment, or else the key made for
    this server in `data_dir`/signing (made on first use). SigningKeyError says what is wrong."""
    env = os.environ if environ is None else environ
    cb_name = cb_identity(dict(env)).name
    key_path = (env.get(KEY_ENV) or "").strip()
    cert_path = (env.get(CERT_ENV) or "").strip()
    if key_path or cert_path:
        if not (key_path and cert_path):
            given, missing = (KEY_ENV, CERT_ENV) if key_path else (CERT_ENV, KEY_ENV)
            raise SigningKeyError(
                missing, f"{given} is set but {missing} is not: set both, or neither."
            )
        return _load(Path(key_path).expanduser(), Path(cert_path).expanduser(), cb_name, None)
    folder = _own_folder(Path(data_dir), cb_name)
    if not (folder / KEY_FILE).exists():
        _make_self_signed(folder, cb_name)
    return _load(folder / KEY_FILE, folder / CERT_FILE, cb_name, folder)


def sign_pdf(pdf_bytes: bytes, signer: CertificateSigner) -> bytes:
    """`pdf_bytes` with an invisible signature of the CB added (an incremental update)."""
    meta = signers.PdfSignatureMetadata(
        field_name="CertificationBody",
        reason=f"Issued by {signer.cb_name}",
        name=signer.cb_name,
        md_algorithm="sha256",
        # A certification (author) signature: readers show the document as certified by the
        # CB, and any later change, even a form fill or a comment, counts as tampering.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))

    def sign() -> bytes:
        # No field spec: pyHanko adds a signature field with no widget on a page (invisible).
        return signers.sign_pdf(writer, meta, signer=signer.pyhanko).getvalue()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return sign()
    # pyHanko's sign_pdf runs its own event loop (asyncio.run), which is refused in a thread
    # that already runs one (an async server, a test process driving a browser): sign in a
    # thread of its own then.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(sign).result()


# ---- loading ----


class _Unusable(Exception):
    """What is wrong with one of the files, as the end of a sentence naming it."""


def _load(key_path: Path, cert_path: Path, cb_name: str, folder: Path | None) -> CertificateSigner:
    """Read and check a key and its certificate; `folder` is set for the server's own key."""

    def fail(variable: str, path: Path, problem: object) -> SigningKeyError:
        if folder is None:
            return SigningKeyError(variable, f"{variable} ({path}) {problem}")
        return SigningKeyError(
            KEY_ENV,
            f"The server's signing key in {folder}: {path.name} {problem} Remove that folder "
            f"to have a new key made, or set {KEY_ENV} and {CERT_ENV}.",
        )

    try:
        key = _read_key(key_path)
    except _Unusable as exc:
        raise fail(KEY_ENV, key_path, exc) from None
    try:
        chain = _read_certificates(cert_path)
    except _Unusable as exc:
        raise fail(CERT_ENV, cert_path, exc) from None
    certificate = chain[0]
    if _public(key.public_key()) != _public(certificate.public_key()):
        raise fail(KEY_ENV, key_path, f"is not the key of the certificate in {cert_path}.")
    if certificate.not_valid_after_utc < datetime.now(UTC):
        expired = certificate.not_valid_after_utc.date().isoformat()
        raise fail(CERT_ENV, cert_path, f"holds a certificate that expired on {expired}.")
    # pyHanko works with asn1crypto's types: hand it the DER of each.
    own, *others = (
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = SimpleSigner(
        signing_cert=own,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([own, *others]),
    )
    origin = str(folder) if folder else f"{key_path} and {cert_path}"
    return CertificateSigner(
        cb_name=cb_name, certificate=certificate, origin=origin, pyhanko=signer
    )


def _read_key(path: Path) -> PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unusable(f"cannot be read ({exc.strerror or exc}).") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise _Unusable(
            "is encrypted: give the key unencrypted, in a file only the server's user can read."
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise _Unusable("is not a PEM private key.") from None
    if not isinstance(key, _KEY_TYPES):
        raise _Unusable("holds a kind of key PDF signatures do not use: give an RSA or EC key.")
    return key


def _read_certificates(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unusable(f"cannot be read ({exc.strerror or exc}).") from None
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise _Unusable("is not a PEM certificate.") from None


def _public(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# ---- the server's own key ----


def _own_folder(data_dir: Path, cb_name: str) -> Path:
    """signing/<the CB's name>-<hash>: a CB that changes its name gets a certificate in its new
    name, and two names that look alike once simplified never share a key."""
    slug = re.sub(r"[^a-z0-9]+", "-", cb_name.lower()).strip("-")[:50] or "cb"
    digest = hashlib.sha256(cb_name.encode()).hexdigest()[:8]
    return private_dir(data_dir / "signing") / f"{slug}-{digest}"


def _make_self_signed(folder: Path, cb_name: str) -> None:
    """Make a key and its self-signed certificate, written whole or not at all.

    Both files are written (0600, fsynced) into a temporary folder that is then renamed to
    `folder`. Two first uses at once: the second rename fails on the winner's folder, which
    is not empty, and the loser's key is dropped, so every PDF is signed with one key.
    """
    temp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        os.chmod(temp, PRIVATE_DIR)
        key = ec.generate_private_key(ec.SECP256R1())  # P-256: every current reader checks it
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pem_cert = _self_signed(key, cb_name).public_bytes(serialization.Encoding.PEM)
        _write_private(temp / KEY_FILE, pem_key)
        _write_private(temp / CERT_FILE, pem_cert)
        _fsync_dir(temp)
        try:
            os.rename(temp, folder)
        except OSError:
            if not folder.is_dir():
                raise
            shutil.rmtree(temp, ignore_errors=True)  # another process made it first
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _fsync_dir(folder.parent)


def _self_signed(key: ec.EllipticCurvePrivateKey, cb_name: str) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cb_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, cb_name[:64]),
        ]
    )
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # "non-repudiation": the key signs what the CB states
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # a clock a little behind still accepts it
        .not_valid_after(now + timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    with os.fdopen(open_private(path), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
