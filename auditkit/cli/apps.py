"""`auditkit field`, `auditkit server` and `auditkit demo`: start the apps."""

from __future__ import annotations

import threading

import click
from werkzeug.serving import WSGIRequestHandler, make_server

from auditkit.config import field_settings, prepare_dir, server_settings
from auditkit.migrate import upgrade, upgrade_field_database
from auditkit.web.hosts import LOOPBACK_HOSTS


def prepare_field() -> None:
    """Create the laptop's folders and upgrade its database (with a backup first)."""
    settings = field_settings()
    prepare_dir(settings.data_dir)
    prepare_dir(settings.photos_dir)
    backup = upgrade_field_database(settings.database_path, settings.backups_dir)
    if backup:
        click.echo(f"Database upgraded; the previous version is kept at {backup}")


def prepare_server() -> None:
    settings = server_settings()
    prepare_dir(settings.data_dir)
    prepare_dir(settings.blobs_dir)
    upgrade(settings.database_url)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def field(host: str, port: int) -> None:
    """Start the auditor's field app (on this computer only)."""
    from auditkit.field import create_app

    if host not in LOOPBACK_HOSTS:
        click.echo(
            f"Warning: binding {host}; the field app still answers only requests addressed "
            "to 127.0.0.1 or localhost.",
            err=True,
        )
    prepare_field()
    app = create_app()
    click.echo(f"Field app: http://{_url_host(host)}:{port}/")
    make_server(host, port, app, threaded=True).serve_forever()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
def server(host: str, port: int) -> None:
    """Start the CB server (development server; use gunicorn in production)."""
    from auditkit.cb import create_app

    prepare_server()
    app = create_app()
    click.echo(f"CB server: http://{_url_host(host)}:{port}/")
    make_server(host, port, app, threaded=True).serve_forever()


@click.command()
@click.option("--seed-only", is_flag=True, help="Seed the demo data and exit.")
@click.option("--field-port", default=5000, show_default=True, type=int)
@click.option("--server-port", default=5001, show_default=True, type=int)
def demo(seed_only: bool, field_port: int, server_port: int) -> None:
    """Seed the demo data, then start the field app and the CB server."""
    from auditkit import demo as demo_data
    from auditkit.db import make_engine, make_session_factory

    prepare_server()
    prepare_field()
    server_engine = make_engine(server_settings().database_url)
    try:
        with make_session_factory(server_engine).begin() as session:
            demo_data.seed_server(session)
    finally:
        server_engine.dispose()
    final_url = f"http://127.0.0.1:{server_port}"
    _link_demo_laptop(final_url)
    click.echo(f"Demo data ready. The demo laptop is linked to {final_url}.")
    _demo_signing_key()
    if seed_only:
        click.echo(
            "Start the server there (`auditkit server --port "
            f"{server_port}`), or seed with --server-port PORT, or link it elsewhere with "
            "`auditkit login URL`."
        )
    if seed_only:
        return
    _serve_both(field_port, server_port)


class _QuietHandler(WSGIRequestHandler):
    """No access log: the temporary enrolment server should not chatter during seeding."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _link_demo_laptop(final_url: str) -> None:
    """Enrol the demo laptop for auditor1 and pull, as any laptop does (over loopback).

    A temporary in-process server answers, so seeding works without the demo running;
    the laptop then points at the demo server's usual address.
    """
    from auditkit.cb import create_app as create_cb
    from auditkit.demo import DEMO_PASSWORD
    from sync.client.credentials import Credentials
    from sync.client.enrol import login
    from sync.client.run import sync_now

    data_dir = field_settings().data_dir
    server = make_server("127.0.0.1", 0, create_cb(), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        credentials = Credentials.load(data_dir)
        if credentials is None:
            credentials = login(data_dir, url, "auditor1", DEMO_PASSWORD)
        credentials.server_url = url
        credentials.save(data_dir)
        summary = sync_now(data_dir)
        if summary.error:
            raise click.ClickException(f"The demo laptop could not sync: {summary.error}")
    finally:
        server.shutdown()
        thread.join()
        credentials = Credentials.load(data_dir)
        if credentials is not None:
            credentials.server_url = final_url
            credentials.save(data_dir)
        _forget_seeding_sync(data_dir)


def _forget_seeding_sync(data_dir) -> None:  # type: ignore[no-untyped-def]
    """The pull above went to a temporary server: the sync panel must not show it as a sync
    with the demo server (the cursor stays, so the next real sync starts where it ended)."""
    from auditkit.db import make_engine, make_session_factory
    from auditkit.models import SyncState

    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    try:
        with make_session_factory(engine).begin() as session:
            state = session.get(SyncState, 1)
            if state is not None:
                state.last_sync_at = None
                state.last_result = ""
    finally:
        engine.dispose()


def _demo_signing_key() -> None:
    """The demo CB's key for signing certificate PDFs, made now (once) rather than at the
    first download, with its fingerprint shown as a CB would publish it."""
    from auditkit.certificates.signing import SigningKeyError, load_signer

    try:
        signer = load_signer(server_settings().data_dir)
    except SigningKeyError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Certificate PDFs are signed with the key in {signer.origin}")
    click.echo(f"  (its certificate's SHA-256 fingerprint: {signer.fingerprint}).")


def _serve_both(field_port: int, server_port: int) -> None:
    from auditkit.cb import create_app as create_cb
    from auditkit.certificates.settings import certificate_settings
    from auditkit.demo import DEMO_PASSWORD, DEMO_USERS
    from auditkit.demo.certified import demo_settings
    from auditkit.field import create_app as create_field

    # The demo CB is accredited for what its demo certificates need, unless told otherwise.
    cb_app = create_cb({"CERTIFICATE_SETTINGS": demo_settings(certificate_settings())})
    servers = [
        make_server("127.0.0.1", server_port, cb_app, threaded=True),
        make_server("127.0.0.1", field_port, create_field(), threaded=True),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    click.echo("")
    click.echo(f"  Field app (Anna de Vries' laptop): http://127.0.0.1:{field_port}/")
    click.echo(f"  CB server:                         http://127.0.0.1:{server_port}/")
    click.echo("")
    click.echo(f"  CB logins (password for all: {DEMO_PASSWORD}):")
    for user in DEMO_USERS:
        roles = ", ".join(r.value for r in user.roles)
        click.echo(f"    {user.username:<10} {user.full_name:<16} {roles}")
    click.echo("")
    click.echo("  Press Ctrl+C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        for s in servers:
            s.shutdown()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
