"""How this CB numbers and dates its certificates, and where it is accredited (no Flask).

Read from the environment, checked once, each bad value named:

- AUDITKIT_CERT_NUMBER_PATTERN: a format with {prefix}, {code} (the scheme's short code:
  QMS, EMS, OHS, ISMS, VCA), {year} (of the decision) and {seq} (a counter per prefix, code
  and year; a width such as {seq:05d} is allowed). Default "{prefix}-{code}-{year}-{seq:05d}".
- AUDITKIT_CERT_PREFIX: default "AK".
- AUDITKIT_CERT_VALIDITY_YEARS (default 3) and AUDITKIT_CERT_EXPIRY_MINUS_ONE_DAY (default
  true): expiry = decision + 3 years - 1 day.
- AUDITKIT_ACCREDITED_SCOPE: where the accreditation mark may be printed, as
  "scheme:codes" entries separated by ";" where codes are IAF sector codes and ranges
  ("iso9001-2015:1-39;iso14001-2015:17,18,28") or "*" for every code. Empty (the default):
  accredited for nothing, so no certificate carries the mark.
- AUDITKIT_CERT_SIGNING_KEY / AUDITKIT_CERT_SIGNING_CERT: PEM files of the CB's key and
  certificate that sign certificate PDFs (auditkit.certificates.signing); by default a key
  made for this server in its data folder.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from auditkit.field_errors import FieldError

SCHEME_CODES = {
    "iso9001-2015": "QMS",
    "iso14001-2015": "EMS",
    "iso45001-2018": "OHS",
    "iso27001-2022": "ISMS",
    "vca-2017": "VCA",
}
DEFAULT_PATTERN = "{prefix}-{code}-{year}-{seq:05d}"
_FIELDS = {"prefix", "code", "year", "seq"}


class CertificateSettingsError(FieldError):
    """A certificate setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class CertificateSettings:
    number_pattern: str = DEFAULT_PATTERN
    prefix: str = "AK"
    validity_years: int = 3
    expiry_minus_one_day: bool = True
    # scheme -> sector codes inside the accredited scope (None: every code)
    accredited_scope: Mapping[str, frozenset[int] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {f for _, f, _, _ in string.Formatter().parse(self.number_pattern) if f}
        if "seq" not in names or names - _FIELDS:
            raise CertificateSettingsError(
                "AUDITKIT_CERT_NUMBER_PATTERN",
                "AUDITKIT_CERT_NUMBER_PATTERN must contain {seq} and may use only {prefix}, "
                f"{{code}}, {{year}} and {{seq}}; it is {self.number_pattern!r}.",
            )
        if self.validity_years < 1:
            raise CertificateSettingsError(
                "AUDITKIT_CERT_VALIDITY_YEARS", "AUDITKIT_CERT_VALIDITY_YEARS must be at least 1."
            )

    def accredited(self, scheme: str, sector_codes: list[int]) -> bool:
        """Whether a certificate to `scheme` in these IAF sectors may carry the accreditation
        mark: the scheme is in the accredited scope and so is every one of its sectors."""
        if scheme not in self.accredited_scope:
            return False
        codes = self.accredited_scope[scheme]
        return codes is None or (bool(sector_codes) and set(sector_codes) <= codes)


_ENTRY = re.compile(r"^\s*([a-z0-9-]+)\s*:\s*(\*|[0-9,\s-]+)\s*$")


def parse_accredited_scope(raw: str) -> dict[str, frozenset[int] | None]:
    scope: dict[str, frozenset[int] | None] = {}
    for entry in filter(str.strip, raw.split(";")):
        match = _ENTRY.match(entry)
        if not match or match.group(1) not in SCHEME_CODES:
            raise CertificateSettingsError(
                "AUDITKIT_ACCREDITED_SCOPE",
                f"AUDITKIT_ACCREDITED_SCOPE: {entry.strip()!r} is not 'scheme:codes' with a "
                f"known scheme ({', '.join(SCHEME_CODES)}) and codes such as 1-39 or 17,18.",
            )
        scheme, codes = match.groups()
        if codes == "*":
            scope[scheme] = None
            continue
        found: set[int] = set()
        for part in filter(str.strip, codes.split(",")):
            low, _, high = part.strip().partition("-")
            first, last = int(low), int(high or low)
            if not 1 <= first <= last <= 39:
                raise CertificateSettingsError(
                    "AUDITKIT_ACCREDITED_SCOPE",
                    f"AUDITKIT_ACCREDITED_SCOPE: {part.strip()!r} is not an IAF code or range "
                    "between 1 and 39.",
                )
            found.update(range(first, last + 1))
        scope[scheme] = frozenset(found)
    return scope


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise CertificateSettingsError(name, f"{name} must be true or false, not {raw!r}.")


def certificate_settings(environ: Mapping[str, str] | None = None) -> CertificateSettings:
    env = os.environ if environ is None else environ
    years = (env.get("AUDITKIT_CERT_VALIDITY_YEARS") or "3").strip()
    if not years.isdigit():
        raise CertificateSettingsError(
            "AUDITKIT_CERT_VALIDITY_YEARS",
            f"AUDITKIT_CERT_VALIDITY_YEARS must be a whole number, not {years!r}.",
        )
    return CertificateSettings(
        number_pattern=(env.get("AUDITKIT_CERT_NUMBER_PATTERN") or DEFAULT_PATTERN).strip(),
        prefix=(env.get("AUDITKIT_CERT_PREFIX") or "AK").strip(),
        validity_years=int(years),
        expiry_minus_one_day=_flag(env, "AUDITKIT_CERT_EXPIRY_MINUS_ONE_DAY", True),
        accredited_scope=parse_accredited_scope(env.get("AUDITKIT_ACCREDITED_SCOPE") or ""),
    )
