"""The commands an auditor types: `auditkit login` and `auditkit sync`, as real processes,
moving the demo audit with a finding and a photo to a live CB server and on to a teammate."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auditkit.db import make_session_factory
from auditkit.demo import AUDIT_ID, DEMO_PASSWORD
from auditkit.models import Audit, Blob, Finding, Photo
from auditkit.photostore import PhotoStore

ITEM = "iso9001-2015:7.2/1"


def auditkit(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDITKIT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "auditkit", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _login(laptop, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    done = auditkit(
        laptop.data_dir, "login", url, "--username", username, "--password-stdin",
        stdin=DEMO_PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"linked to {url} as {username}" in done.stdout


def _sync(laptop) -> dict:  # type: ignore[no-untyped-def,type-arg]
    done = auditkit(laptop.data_dir, "sync", "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def test_login_and_sync_move_the_demo_audit_to_the_server_and_a_teammate(
    laptops, cb_server, server_engine
) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna")
    _login(anna, cb_server.url, "auditor1")
    assert _sync(anna)["ok"]
    with anna.session() as session:  # the demo audit arrived
        assert session.get(Audit, AUDIT_ID).organisation.name

    anna.answer(ITEM, notes="Training matrix seen")
    anna.photo(ITEM, seed=7)
    created = anna.form(
        "/findings/new",
        {
            "grade": "minor",
            "clause_refs": "iso9001-2015|7.2",
            "requirement": "7.2",
            "objective_evidence": "One welder's certificate expired in March",
            "statement": "Competence not kept up to date",
            "item_keys": ITEM,
        },
    )
    assert created.status_code == 302
    sent = _sync(anna)
    assert sent["ok"] and sent["rejected"] == 0 and sent["blobs_uploaded"] == 1
    with make_session_factory(server_engine)() as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 1
        assert session.scalar(select(func.count()).select_from(Blob)) == 1

    bram = laptops("bram")
    _login(bram, cb_server.url, "auditor2")
    received = _sync(bram)
    assert received["ok"] and received["photos_downloaded"] == 1
    with bram.session() as session:
        finding = session.scalars(select(Finding).where(Finding.audit_id == AUDIT_ID)).one()
        assert finding.number == "F1" and "expired in March" in finding.objective_evidence
        photo = session.scalars(select(Photo)).one()
    data = PhotoStore(bram.data_dir / "photos").path(photo.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256

    quiet = auditkit(bram.data_dir, "sync")  # the plain text summary
    assert quiet.returncode == 0 and quiet.stdout.startswith("Sent 0 changes")


def test_sync_says_what_is_wrong_and_exits_non_zero(laptops, cb_server) -> None:  # type: ignore[no-untyped-def]
    anna = laptops("anna")
    never = auditkit(anna.data_dir, "sync")
    assert never.returncode == 1 and "auditkit login URL" in never.stderr

    wrong = auditkit(
        anna.data_dir, "login", cb_server.url, "--username", "auditor1", "--password-stdin",
        stdin="not the password\n",
    )  # fmt: skip
    assert wrong.returncode == 1 and "do not match" in wrong.stderr

    _login(anna, cb_server.url, "auditor1")
    _sync(anna)
    anna.answer(ITEM, notes="written while the server is down")
    cb_server.stop()
    down = auditkit(anna.data_dir, "sync", "--json")
    summary = json.loads(down.stdout)
    assert down.returncode == 1 and not summary["ok"]
    assert summary["error_code"] == "connection_refused" and summary["pending"] == 1
    assert "nothing on this laptop was lost" in summary["error"]
    _plain(summary["error"])
    assert anna.pending() == 1  # kept for the next sync
    text = auditkit(anna.data_dir, "sync")
    assert text.returncode == 1 and "Sync stopped: Cannot reach the server at" in text.stderr
    _plain(text.stderr)


def test_progress_line_shows_a_bar_with_items_or_megabytes() -> None:
    from auditkit.cli.sync import progress_line

    line = progress_line("upload", 26_000_000, 52_000_000, width=10)
    assert line.strip() == "photos up [#####-----]  50% 26.0/52.0 MB"
    assert progress_line("push", 420, 420, width=4).strip() == "changes sent [####] 100% 420/420"
    assert "[----]   0% 0/0" not in progress_line("pull", 0, 0, width=4)  # nothing to do: done


# ---- network failures: what happened and what to do, never a library's text ----
LIBRARY_WORDS = (
    "HTTPConnectionPool",
    "NewConnectionError",
    "Max retries",
    "Invalid URL",
    "urllib3",
)


def _plain(text: str) -> None:
    assert not [w for w in LIBRARY_WORDS if w in text], text
    assert "Traceback" not in text, text


def _login_fails(data_dir: Path, url: str, code: str) -> str:
    """`auditkit login URL` as text and as --json: exit 1, a code and the same sentence."""
    args = ("login", url, "--username", "auditor1", "--password-stdin")
    text = auditkit(data_dir, *args, stdin=DEMO_PASSWORD + "\n")
    assert text.returncode == 1 and text.stdout == "", text.stdout + text.stderr
    _plain(text.stderr)
    as_json = auditkit(data_dir, *args, "--json", stdin=DEMO_PASSWORD + "\n")
    answer = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and answer["ok"] is False
    assert answer["error_code"] == code, answer
    assert text.stderr.strip() == f"Error: {answer['error']}"
    assert not (data_dir / "sync-credentials.json").exists()
    return answer["error"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_login_to_a_port_where_nothing_listens_names_host_and_port(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    message = _login_fails(tmp_path, f"http://127.0.0.1:{port}", "connection_refused")
    assert f"127.0.0.1:{port}" in message and "connection refused" in message
    assert "Check the address and your network, then run the command again" in message
    assert "nothing on this laptop was changed" in message


def test_login_with_something_that_is_not_a_url_shows_what_a_url_looks_like(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sync.client.http import ServerUnreachable, check_url

    message = _login_fails(tmp_path, "not-a-url", "invalid_url")
    assert "'not-a-url' is not a server address" in message
    assert "such as https://cb.example.org" in message
    for url in ("cb.example.org", "ftp://cb.example.org", "https://", "http://cb:port"):
        with pytest.raises(ServerUnreachable) as refused:
            check_url(url)
        assert refused.value.code == "invalid_url" and repr(url) in refused.value.message
    check_url("https://cb.example.org:8443/")  # a real address passes


def test_login_to_a_name_that_does_not_resolve_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    message = _login_fails(tmp_path, "https://cb.auditkit-test.invalid", "host_not_found")
    assert "the name cb.auditkit-test.invalid could not be found" in message
    assert "cb.auditkit-test.invalid:443" in message


class _NotFound(BaseHTTPRequestHandler):
    """Any web server that is not auditkit: an HTML page saying 404 for every path."""

    def _page(self) -> None:
        body = b"<!doctype html><html><body><h1>404 Not Found</h1></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_HEAD = _page  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _web_server(wrap=None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    if wrap is not None:
        server.socket = wrap(server.socket)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_login_and_sync_against_a_web_server_that_is_not_auditkit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sync.client.credentials import Credentials

    with _web_server() as address:
        message = _login_fails(tmp_path, f"http://{address}", "not_auditkit_server")
        assert f"The server at {address} answered, but not as an auditkit server" in message
        assert "status 404 with a web page" in message and "https://cb.example.org" in message

        # A laptop linked before, whose address now leads to another web server.
        laptop = tmp_path / "linked"
        Credentials(f"http://{address}", "d", "u", "anna", "a", "r").save(laptop)
        done = auditkit(laptop, "sync", "--json")
        summary = json.loads(done.stdout)
        assert done.returncode == 1 and not summary["ok"]
        assert summary["error_code"] == "not_auditkit_server", summary
        assert "not as an auditkit server" in summary["error"]
        _plain(summary["error"])


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_login_to_a_server_whose_certificate_cannot_be_verified(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def wrap(sock: socket.socket) -> ssl.SSLSocket:
        return context.wrap_socket(sock, server_side=True)

    with _web_server(wrap) as address:
        message = _login_fails(tmp_path / "laptop", f"https://{address}", "tls_certificate")
    assert f"Cannot connect securely to {address}" in message
    assert "certificate could not be verified" in message


def test_timeouts_and_broken_connections_map_to_their_own_sentences() -> None:
    import requests
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError

    from sync.client.http import network_error

    url = "https://cb.example.org"
    connect = requests.exceptions.ConnectTimeout(
        MaxRetryError(None, "/", ConnectTimeoutError(None, "timed out"))  # type: ignore[arg-type]
    )
    read = requests.exceptions.ReadTimeout(ReadTimeoutError(None, "/", "read timed out"))  # type: ignore[arg-type]
    reset = requests.exceptions.ConnectionError(ConnectionResetError(104, "reset by peer"))
    found = {kind: network_error(exc, url) for kind, exc in
             (("connect", connect), ("read", read), ("reset", reset))}  # fmt: skip
    assert found["connect"].code == "timed_out" and "within 5 seconds" in found["connect"].message
    assert found["read"].code == "timed_out" and "longer than 60 seconds" in found["read"].message
    assert found["reset"].code == "unreachable" and "broke off" in found["reset"].message
    for failure in found.values():
        assert "cb.example.org:443" in failure.message
        _plain(failure.message)
