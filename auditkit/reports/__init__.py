"""The audit report (ISO/IEC 17021-1 9.4.8, DOMAIN.md 1.8) as plain data, ready to render.

No Flask here: the field app previews it, the CB server and the auditee portal show it, and the
same HTML becomes a PDF. `build_report` only reads; it never writes or commits.
"""

from auditkit.reports.build import (
    DECISION_STATEMENT,
    SAMPLING_DISCLAIMER,
    build_report,
)
from auditkit.reports.model import AuditNotFound, AuditReport, CBIdentity

__all__ = [
    "DECISION_STATEMENT",
    "SAMPLING_DISCLAIMER",
    "AuditNotFound",
    "AuditReport",
    "CBIdentity",
    "build_report",
]
