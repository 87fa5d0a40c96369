"""The public certificate check (17021-1 8.1.3; DOMAIN.md 1.10): anyone, no sign-in.

- GET /verify: look a certificate up by its number (straight to its page) or find a holder by
  name among the clients listed in the public directory;
- GET /verify/<number>: a certificate's public record, the target of the QR code it carries;
- GET /api/public/v1/certificates/<number>: the same record as JSON.

What the public sees is spelled once, in auditkit.certificates.public. A certificate still in
draft is not issued, so it is answered as unknown. Every request counts against the client
address's limit (auditkit.rate_limit, in the database, so all workers share it):
PUBLIC_RATE_LIMIT requests per PUBLIC_RATE_WINDOW seconds, from AUDITKIT_PUBLIC_RATE_LIMIT
(default 60; 0 turns the limit off) and AUDITKIT_PUBLIC_RATE_WINDOW (default 60). Behind a
reverse proxy, AUDITKIT_PROXY_HOPS makes remote_addr the client's (auditkit.web.proxy), or
every visitor shares the proxy's count.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from auditkit import rate_limit
from auditkit.certificates import public
from auditkit.config import cb_identity
from auditkit.models import Certificate
from auditkit.web.database import db_session

bp = Blueprint("public", __name__)
API_PREFIX = "/api/public/v1"
QUERY_MAX = 200


def init_app(app: Flask) -> None:
    """Read the rate limit's settings (a test's config wins) and register the routes."""
    app.config.setdefault("PUBLIC_RATE_LIMIT", _setting("AUDITKIT_PUBLIC_RATE_LIMIT", 60))
    app.config.setdefault("PUBLIC_RATE_WINDOW", _setting("AUDITKIT_PUBLIC_RATE_WINDOW", 60))
    app.register_blueprint(bp)


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of requests or seconds, not {raw!r}.")
    return int(raw)


# The badge colour of each status (classes of the shared stylesheet).
BADGES = {"active": "badge-accepted", "suspended": "badge-in_progress"}


@bp.context_processor
def _page_globals() -> dict[str, Any]:
    return {"cb": cb_identity(), "status_class": lambda s: BADGES.get(s, "badge-returned")}


@bp.before_request
def _count_request() -> Response | None:
    """One more request from this address; past the limit, a 429 that says how long to wait."""
    limit = current_app.config["PUBLIC_RATE_LIMIT"]
    if not limit:
        return None
    wait = rate_limit.hit(
        db_session(),
        f"public:{request.remote_addr or ''}",
        limit=limit,
        window=timedelta(seconds=current_app.config["PUBLIC_RATE_WINDOW"]),
        durable=False,  # this transaction holds the count alone
    )
    db_session().commit()  # at once: the count's row stays locked until then
    if wait is None:
        return None
    message = f"Too many checks from your address. Wait {wait} seconds and try again."
    if request.path.startswith(API_PREFIX):
        response = jsonify(
            error={"code": "too_many_requests", "message": message, "retry_after": wait}
        )
        response.status_code = 429
    else:
        response = Response(
            render_template("public/message.html", title="Too many checks", message=message),
            status=429,
        )
    response.headers["Retry-After"] = str(wait)
    return response


@bp.after_request
def _no_store(response: Response) -> Response:
    # no-store rather than a short max-age: a suspension or withdrawal must show at the very
    # next look, and a shared cache would keep serving "valid" meanwhile. The lookup is one
    # index probe, so there is nothing worth caching.
    response.headers["Cache-Control"] = "no-store"
    return response


def _find(number: str) -> Certificate | None:
    """By the number as typed, or in capitals (numbers are printed so)."""
    found = public.find(db_session(), number)
    if found is None and number != number.upper():
        found = public.find(db_session(), number.upper())
    return found


@bp.get("/verify")
def verify():  # type: ignore[no-untyped-def]
    """The search form; a certificate number found goes to its page, a name lists holders."""
    query = " ".join(request.args.get("q", "").split())[:QUERY_MAX]
    if not query:
        return render_template("public/verify.html", query="", results=None, hint="")
    found = _find(query)
    if found is not None:
        return redirect(url_for("public.certificate", number=found.number))
    today = date.today()
    holders = public.search_holders(db_session(), query)
    hint = ""
    if len(query) < 2:
        hint = "Type the certificate number, or at least two letters of the company's name."
    elif len(holders) >= public.SEARCH_LIMIT:
        hint = f"Only the first {public.SEARCH_LIMIT} are shown: type more of the name."
    results = [public.view(c, today) for c in holders]
    return render_template("public/verify.html", query=query, results=results, hint=hint)


@bp.get("/verify/<path:number>")
def certificate(number: str):  # type: ignore[no-untyped-def]
    """A certificate's public record and its status today (the QR code's target)."""
    found = _find(number)
    if found is None:
        return _unknown_page(number)
    return render_template("public/certificate.html", record=public.view(found, date.today()))


@bp.get(f"{API_PREFIX}/certificates/<path:number>")
def api_certificate(number: str):  # type: ignore[no-untyped-def]
    """The certificate's public record as JSON; an unknown number is a 404 with a code."""
    found = _find(number)
    if found is None:
        response = jsonify(
            error={
                "code": "not_found",
                "message": f"No certificate has the number {number[:60]!r}. Check it as "
                "printed on the certificate.",
            }
        )
        response.status_code = 404
        return response
    return jsonify(public.view(found, date.today()))


def _unknown_page(number: str):  # type: ignore[no-untyped-def]
    message = (
        f"No certificate has the number “{number[:60]}”. Check it as printed on the "
        "certificate; a certificate we never issued, or a mistyped number, is not found."
    )
    page = render_template("public/message.html", title="No such certificate", message=message)
    return page, 404
