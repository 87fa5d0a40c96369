"""The wire contract of sync protocol v1: versions, headers, error codes and limits."""

from __future__ import annotations

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS = (1,)
# The data schema the mutations and pulled rows follow. Raise it when their fields change
# meaning; the server keeps accepting (upcasting) the older schemas it lists.
# Schemas 2 and 3: see sync/schema.py for what changed and how older laptops are served.
SCHEMA_VERSION = 4
MIN_SCHEMA_VERSION = 1

PROTOCOL_HEADER = "Sync-Protocol"
SCHEMA_HEADER = "App-Schema"
API_PREFIX = "/api/sync/v1"

ACCESS_TOKEN_SECONDS = 15 * 60
REFRESH_TOKEN_SECONDS = 60 * 24 * 3600

PUSH_MAX_MUTATIONS = 100
# A laptop fills a push up to PUSH_BATCH_BYTES; the server refuses a body above PUSH_MAX_BYTES
# (413) before reading it. The wire limits keep one mutation well under the gap, so a change a
# laptop made always fits a push of its own (tests/sync/test_push_limits.py proves it).
PUSH_BATCH_BYTES = 1024 * 1024
PUSH_MAX_BYTES = 4 * 1024 * 1024
# A body of any other JSON call (token, pull, upload start) is small.
JSON_MAX_BYTES = 1024 * 1024
# The longest list in a payload (documents seen, linked entries, clause references).
LIST_MAX = 500
PULL_PAGE_SIZE = 500
ENTITY_ID_MAX = 120
CHUNK_SIZE = 1024 * 1024
BLOB_MAX_BYTES = 64 * 1024 * 1024
# An upload session (one per device and blob) lapses after this long without a chunk: its
# next chunk starts it again at 0, and `auditkit blobs gc` removes its partial file.
UPLOAD_IDLE_SECONDS = 24 * 3600
# Stored bytes that no record names are kept this long after they last arrived: a laptop
# uploads a photo before the push that names it, and that push may be held up for days.
BLOB_GRACE_SECONDS = 7 * 24 * 3600
# Sequence numbers, versions, cursors and counts fit a database's INTEGER (32 bits on
# PostgreSQL): anything larger is refused as invalid, never passed to the database.
INT_MAX = 2**31 - 1

# Stable error codes (the `code` of an error body or of a rejected mutation).
CLIENT_TOO_OLD = "client_too_old"
SERVER_TOO_OLD = "server_too_old"
UNAUTHORIZED = "unauthorized"
TOKEN_EXPIRED = "token_expired"
DEVICE_REVOKED = "device_revoked"
DEVICE_DIVERGED = "device_diverged"
TOO_MANY_ATTEMPTS = "too_many_attempts"
SEQ_GAP = "seq_gap"
NOT_ON_TEAM = "not_on_team"
AUDIT_LOCKED = "audit_locked"
CONFLICT = "conflict"
INVALID = "invalid"
BLOB_MISSING = "blob_missing"
DIGEST_INVALID = "digest_invalid"
BLOB_NOT_YOURS = "blob_not_yours"
OFFSET_MISMATCH = "offset_mismatch"
UNKNOWN_MUTATION = "unknown_mutation"
NOT_LEAD = "not_lead"
STALE_TEAM_VIEW = "stale_team_view"
OPEN_CONFLICTS = "open_conflicts"
# A change naming a version of its record newer than the server's (no laptop can hold one).
BASE_VERSION_AHEAD = "base_version_ahead"
# A change that breaks a rule of the database: refused for good, never retried.
DATABASE_RULE = "database_rule"
PAYLOAD_TOO_LARGE = "payload_too_large"


# Mutations that change the audit's closing record (its pull entity is "closure").
CLOSURE_MUTATIONS = (
    "closure.set.v1",
    "audit.sign.v1",
    "audit.acknowledge.v1",
    "audit.signature_void.v1",
)
# The team's answer to a reviewer query (pull entity "review_comment"): outside the content.
QUERY_MUTATIONS = ("query.answer.v1",)
# The lead's judgement of a client's corrective action (pull entity "corrective_action").
CAPA_MUTATIONS = ("capa.judge.v1", "capa.verify.v1")
ROW_ENTITIES = (
    "answer",
    "finding",
    "photo",
    "interviewee",
    "sampled_record",
    "meeting",
    "activity",
)


def pull_entity(
    name: str, audit_id: str, entity_id: str, payload: dict[str, object]
) -> tuple[str, str] | None:
    """The (entity, key) of pull that a mutation changes; None when it changes no row."""
    if name in CLOSURE_MUTATIONS:
        return "closure", audit_id
    if name in QUERY_MUTATIONS:
        return "review_comment", entity_id
    if name in CAPA_MUTATIONS:
        return "corrective_action", entity_id
    kind = name.split(".")[0]
    if kind not in ROW_ENTITIES:
        return None
    if kind == "answer":
        return "response", entity_id
    if kind == "meeting":
        return "meeting", str(payload.get("kind", ""))
    return kind, entity_id
