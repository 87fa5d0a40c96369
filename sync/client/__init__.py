"""The laptop side of sync: enrolment, and the sync run (blobs, push, pull, downloads)."""
