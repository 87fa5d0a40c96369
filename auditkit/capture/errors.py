"""What capture refuses, in sentences an auditor can act on."""

from __future__ import annotations


class Invalid(ValueError):
    """Input that cannot be saved; `errors` maps each form field to what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ReadOnly(Exception):
    """The audit is submitted (or later): the team cannot change it until it is returned."""

    def __init__(self, status: str) -> None:
        super().__init__(f"This audit is {status} and can no longer be changed on the laptop.")
        self.status = status


class SignatureWouldBeVoided(Exception):
    """The lead auditor signed the audit; changing it voids the signature, so ask first."""

    def __init__(self) -> None:
        super().__init__(
            "The lead auditor has signed this audit. Saving this change voids the signature "
            "(and the auditee's acknowledgement); the audit must be signed again."
        )


class Incomplete(Exception):
    """Sign-off or submission found gaps (auditkit.capture.completeness): ask before going on."""

    def __init__(self, completeness) -> None:  # type: ignore[no-untyped-def]
        super().__init__(f"{len(completeness.gaps)} things are missing; confirm to go on.")
        self.completeness = completeness
