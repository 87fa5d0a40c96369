"""auditkit: field audit toolkit for certification auditors."""

__version__ = "0.1.0"
