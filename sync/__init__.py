"""The sync protocol between laptops and the CB server (wire schema, client, server API)."""
