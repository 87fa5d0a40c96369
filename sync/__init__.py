"""The sync protocol between laptops and the CB server.

`sync.protocol` is the wire contract (versions, headers, codes, limits), `sync.server` the
CB side (a Flask blueprint under /api/sync/v1), `sync.client` the laptop side (runs outside
any request: the CLI and the field app's sync panel call it).
"""
