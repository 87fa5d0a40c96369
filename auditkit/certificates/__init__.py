"""Certificates: numbers, revisions, status on a day, the public view, PDF, exports.

No Flask here. `status` reads where a certificate stands; `issue` writes revisions (called by
auditkit.decisions); `public` is the one place that says what the public may see of one.
"""
