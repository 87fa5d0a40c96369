"""The sync engine: ordering, idempotency and conflict rules of the server, without Flask.

`push.apply_in_order` applies a laptop's mutations exactly once and in order (used by the HTTP
API and by audit package imports alike); `pull.page` builds a page of changes; `apply` and
`handlers` apply one mutation with field-level conflict checks. sync/server/ is only the HTTP
face of this, so the CLI (`auditkit import`) and tests use the engine without an app.
"""
