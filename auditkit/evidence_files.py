"""Evidence files a client sends with an answer (no Flask): the type told by the bytes, never
by the name or the browser; size limits; stored once per sha256 in their own store.

Accepted: PDF, JPEG, PNG, HEIC photos, and office documents in their current formats (Word,
Excel and PowerPoint's .docx/.xlsx/.pptx, OpenDocument's .odt/.ods/.odp). Legacy binary
.doc/.xls files are refused with a sentence asking for PDF or the current format: their
container cannot be told from other executable content by its first bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import filetype

from auditkit.field_errors import FieldError
from auditkit.photostore import PhotoStore

MAX_FILE_BYTES = 7 * 1024 * 1024  # under the server's 8 MB request limit
MAX_FILES = 15  # per submission
ACCEPTED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/heic": "HEIC photo",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
}
_SAFE_NAME = re.compile(r"[^\w .()+-]+")


class EvidenceRefused(FieldError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    sha256: str
    filename: str
    media_type: str

    @property
    def kind(self) -> str:
        return ACCEPTED[self.media_type]


def check(filename: str, data: bytes) -> CheckedFile:
    """The file if it may be kept as evidence; EvidenceRefused("evidence") saying why not."""
    name = clean_name(filename)
    if not data:
        raise EvidenceRefused("evidence", f"{name} is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceRefused(
            "evidence",
            f"{name} is {len(data) / 1e6:.1f} MB; send files of at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB (a PDF of scanned pages can be saved smaller).",
        )
    kind = filetype.guess(data)
    media_type = kind.mime if kind else ""
    if media_type not in ACCEPTED:
        raise EvidenceRefused(
            "evidence",
            f"{name} is not a file we accept as evidence: send a PDF, a photo (JPEG, PNG, HEIC) "
            "or an office document (.docx, .xlsx, .pptx, .odt, .ods, .odp).",
        )
    return CheckedFile(data, hashlib.sha256(data).hexdigest(), name, media_type)


def clean_name(filename: str) -> str:
    """The file's own name (no folders), with only plain characters, at most 120 long."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _SAFE_NAME.sub("_", base).strip(" .") or "evidence"
    return base[-120:]


class EvidenceStore(PhotoStore):
    """Evidence bytes by sha256: `<root>/<aa>/<sha256>.bin`, written as photos are."""

    def path(self, sha256: str) -> Path:
        return self._folder(sha256) / f"{sha256}.bin"
