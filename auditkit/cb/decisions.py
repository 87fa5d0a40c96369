"""The decision maker's pages: what waits for a decision, the decision file with its gates,
taking the decision, a decision's record and its appeals (auditkit.decisions holds the rules).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from auditkit import access, recommendations, workflow
from auditkit.access import Action
from auditkit.cb.auth import requires, server_work
from auditkit.certifications.schemes import display_name
from auditkit.decisions import appeals, gates, notices, outcomes, queue
from auditkit.decisions import file as decision_file
from auditkit.decisions.forms import decision_input, parse_date
from auditkit.models import Appeal, Audit, Certificate, Certification, Decision, DecisionOutcome
from auditkit.web.database import db_session
from auditkit.web.mail import mailer

bp = Blueprint("decisions", __name__)


@bp.app_template_global("recommendation_label")
def recommendation_label(audit: Audit, closure) -> str:  # type: ignore[no-untyped-def]
    return recommendations.label(audit.audit_type, closure.recommendation if closure else None)


@bp.app_template_global("certified_to")
def certified_to(certification: Certification) -> str:
    return display_name(certification.scheme, certification.vca_level)


BASES = ("surveillance_overdue", "suspension_lapsed", "client_request", "cause_resolved")


@bp.get("/decisions")
@requires(Action.VIEW_DECISIONS)
def index():  # type: ignore[no-untyped-def]
    session = db_session()
    today = date.today()
    return render_template(
        "cb/decisions.html",
        waiting=queue.waiting(session, today),
        recent=queue.recent(session),
        today=today,
    )


def _file(certification_id: uuid.UUID) -> decision_file.DecisionFile:
    session = db_session()
    certification = session.get(Certification, certification_id)
    if certification is None:
        abort(404, description="There is no certification with that id.")
    principal = None
    raw = request.values.get("audit", "")
    if raw:
        try:
            principal = session.get(Audit, uuid.UUID(raw))
        except ValueError:
            principal = None
        if principal is None or certification not in principal.certifications:
            abort(404, description="That audit does not serve this certification.")
    basis = request.values.get("basis", "")
    if principal is None and basis not in BASES:
        basis = "client_request"
    return decision_file.build(
        session, certification, principal, basis=basis if not principal else ""
    )


def _gates_by_outcome(built, today):  # type: ignore[no-untyped-def]
    return {
        outcome: gates.check(gates.Context(db_session(), built, g.user, outcome, today))
        for outcome in outcomes.possible(built, today)
    }


def _page(built, *, values=None, errors=None, failed=None, status=200):  # type: ignore[no-untyped-def]
    today = date.today()
    choices = outcomes.possible(built, today)
    values = values or {}
    values.setdefault("decision_date", today.isoformat())
    values.setdefault("outcome", choices[0].value if choices else "")
    values.setdefault("scope", built.certification.scope)
    return render_template(
        "cb/decision_file.html",
        file=built,
        choices=choices,
        outcome_labels=outcomes.LABELS,
        gates_by_outcome=_gates_by_outcome(built, today),
        values=values,
        errors=errors or {},
        failed=failed or [],
        today=today,
        may_decide=access.can(g.user, Action.DECIDE),
    ), status


@bp.get("/certifications/<uuid:certification_id>/decide")
@requires(Action.VIEW_DECISIONS)
def file_page(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _page(_file(certification_id))


@bp.post("/certifications/<uuid:certification_id>/decide")
@requires(Action.DECIDE)
def take(certification_id: uuid.UUID):  # type: ignore[no-untyped-def]
    built = _file(certification_id)
    values = request.form.to_dict()
    session = db_session()
    try:
        settings = current_app.config["CERTIFICATE_SETTINGS"]
        data = decision_input(values)
        decision = outcomes.decide(server_work(), built, data, settings, date.today())
    except outcomes.DecisionRefused as exc:
        session.rollback()
        return _page(
            _file(certification_id), values=values, errors={exc.field: exc.message}, status=422
        )
    except outcomes.GatesFailed as exc:
        session.rollback()
        return _page(_file(certification_id), values=values, failed=exc.failed, status=422)
    except workflow.MoveRefused as exc:
        session.rollback()
        return _page(
            _file(certification_id), values=values, errors={"outcome": exc.message}, status=409
        )
    certificate = decision_file.current_certificate(session, built.certification)
    notices.decision_taken(session, mailer(), decision, built.certification, certificate)
    session.commit()
    flash(f"Decision taken: {outcomes.PAST[DecisionOutcome(decision.outcome)]}.")
    return redirect(url_for("decisions.show", decision_id=decision.id))


def _decision(decision_id: uuid.UUID) -> Decision:
    found = db_session().get(Decision, decision_id)
    if found is None:
        abort(404, description="There is no decision with that id.")
    return found


def _decision_page(decision: Decision, *, values=None, errors=None, status=200):  # type: ignore[no-untyped-def]
    session = db_session()
    certification = session.get(Certification, decision.certification_id)
    issued = session.scalars(
        select(Certificate).where(Certificate.decision_id == decision.id)
    ).first()
    found_appeals = session.scalars(
        select(Appeal).where(Appeal.decision_id == decision.id).order_by(Appeal.received_on)
    ).all()
    return render_template(
        "cb/decision.html",
        decision=decision,
        certification=certification,
        certificate=issued,
        appeals=found_appeals,
        took_part=appeals.took_part(g.user.id, decision),
        outcome_labels=outcomes.LABELS,
        past=outcomes.PAST,
        values=values or {},
        errors=errors or {},
        today=date.today(),
    ), status


@bp.get("/decisions/<uuid:decision_id>")
@requires(Action.VIEW_DECISIONS)
def show(decision_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _decision_page(_decision(decision_id))


@bp.post("/decisions/<uuid:decision_id>/appeals")
@requires(Action.RECORD_APPEAL)
def lodge_appeal(decision_id: uuid.UUID):  # type: ignore[no-untyped-def]
    decision = _decision(decision_id)
    values = request.form.to_dict()
    try:
        appeals.lodge(
            server_work(), decision,
            received_on=parse_date(values, "received_on", required=False),
            lodged_by=values.get("lodged_by", ""), grounds=values.get("grounds", ""),
            today=date.today(),
        )  # fmt: skip
    except (appeals.AppealRefused, outcomes.DecisionRefused) as exc:
        db_session().rollback()
        return _decision_page(decision, values=values, errors={exc.field: exc.message}, status=422)
    db_session().commit()
    flash("The appeal is recorded.")
    return redirect(url_for("decisions.show", decision_id=decision.id) + "#appeals")


@bp.post("/appeals/<uuid:appeal_id>/decide")
@requires(Action.DECIDE_APPEAL)
def decide_appeal(appeal_id: uuid.UUID):  # type: ignore[no-untyped-def]
    appeal = db_session().get(Appeal, appeal_id)
    if appeal is None:
        abort(404, description="There is no appeal with that id.")
    values = request.form.to_dict()
    try:
        appeals.decide(
            server_work(), appeal, outcome=values.get("outcome", ""),
            reasons=values.get("reasons", ""),
        )  # fmt: skip
    except appeals.AppealRefused as exc:
        db_session().rollback()
        errors = {f"appeal-{appeal.id}-{exc.field}": exc.message}
        return _decision_page(appeal.decision, values=values, errors=errors, status=422)
    db_session().commit()
    flash(f"The appeal is {appeal.outcome}.")
    return redirect(url_for("decisions.show", decision_id=appeal.decision_id) + "#appeals")
