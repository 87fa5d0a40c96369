"""Auditor records in the staff UI: planners keep each auditor's qualifications and declared
ties to clients; on a planned audit they record a client's objection to a team member and
answer it. The rules live in auditkit.auditors."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from auditkit import auditors
from auditkit.access import Action
from auditkit.cb.auth import requires, server_work, visible
from auditkit.certifications.schemes import SCHEMES
from auditkit.field_errors import FieldError
from auditkit.models import (
    Audit,
    AuditorQualification,
    ImpartialityDeclaration,
    Organisation,
    Role,
    TeamObjection,
    User,
    UserRole,
)
from auditkit.planning.team import TIE_KINDS
from auditkit.web.database import db_session

bp = Blueprint("auditors", __name__)
QUALIFICATION_FIELDS = (
    "scheme",
    "may_lead",
    "sector_codes",
    "qualified_on",
    "valid_until",
    "status",
    "note",
)
DECLARATION_FIELDS = ("organisation_id", "kind", "description", "started_on", "ended_on")


def _auditor(user_id: uuid.UUID) -> User:
    """Any account may hold qualifications: a technical expert need not be an auditor."""
    user = db_session().get(User, user_id)
    if user is None:
        abort(404, description="There is no such person.")
    return user


@bp.get("/auditors")
@requires(Action.MANAGE_AUDITORS)
def index():  # type: ignore[no-untyped-def]
    """Every auditor with the schemes they are qualified for."""
    session = db_session()
    qualified = select(AuditorQualification.user_id)
    auditors_ = select(UserRole.user_id).where(UserRole.role == Role.AUDITOR)
    people = session.scalars(
        select(User).where(User.id.in_(qualified) | User.id.in_(auditors_)).order_by(User.full_name)
    )
    held: dict[uuid.UUID, list[AuditorQualification]] = {}
    for q in session.scalars(select(AuditorQualification).order_by(AuditorQualification.scheme)):
        held.setdefault(q.user_id, []).append(q)
    return render_template("cb/auditors.html", people=list(people), held=held, schemes=SCHEMES)


def _page(user: User, *, errors=None, values=None, form: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    session = db_session()
    html = render_template(
        "cb/auditor.html",
        person=user,
        qualifications=session.scalars(
            select(AuditorQualification)
            .where(AuditorQualification.user_id == user.id)
            .order_by(AuditorQualification.scheme)
        ).all(),
        declarations=session.scalars(
            select(ImpartialityDeclaration)
            .where(ImpartialityDeclaration.user_id == user.id)
            .order_by(ImpartialityDeclaration.declared_at.desc())
        ).all(),
        clients=session.scalars(
            select(Organisation)
            .where(Organisation.archived_at.is_(None))
            .order_by(Organisation.name)
            .limit(500)
        ).all(),
        schemes=SCHEMES,
        tie_kinds=TIE_KINDS,
        errors=errors or {},
        values=values or {},
        form=form,
    )
    return html, status


@bp.get("/auditors/<uuid:user_id>")
@requires(Action.MANAGE_AUDITORS)
def show(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _page(_auditor(user_id), values={"status": "active"})


def _save(user_id: uuid.UUID, names: tuple[str, ...], save: Any, form: str, done: str):  # type: ignore[no-untyped-def]
    user = _auditor(user_id)
    values = {n: request.form.get(n, "") for n in names}
    try:
        save(server_work(), user, values)
    except FieldError as exc:
        db_session().rollback()
        return _page(
            _auditor(user_id),
            errors={exc.field: exc.message},
            values=values,
            form=form,
            status=422,
        )
    db_session().commit()
    flash(done)
    return redirect(url_for("auditors.show", user_id=user_id))


@bp.post("/auditors/<uuid:user_id>/qualifications")
@requires(Action.MANAGE_AUDITORS)
def qualify(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _save(
        user_id,
        QUALIFICATION_FIELDS,
        auditors.save_qualification,
        "qualification",
        "The qualification is saved.",
    )


@bp.post("/auditors/<uuid:user_id>/declarations")
@requires(Action.MANAGE_AUDITORS)
def declare(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _save(
        user_id, DECLARATION_FIELDS, auditors.declare_tie, "declaration", "The tie is recorded."
    )


def _back_to_audit(audit_id: uuid.UUID, exc: FieldError, values: dict[str, str]):  # type: ignore[no-untyped-def]
    from auditkit.cb.planning import audit_page

    db_session().rollback()
    return audit_page(
        visible(Audit, audit_id, Action.VIEW_AUDIT),
        errors={f"objection_{exc.field}": exc.message},
        values={f"objection_{k}": v for k, v in values.items()},
        status=422,
    )


@bp.post("/audits/<uuid:audit_id>/objections")
@requires(Action.PLAN_AUDITS)
def object_to_member(audit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Record the client's objection to a member of the planned team."""
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    values = {n: request.form.get(n, "") for n in ("user_id", "raised_by", "reason", "received_on")}
    try:
        auditors.record_objection(server_work(), audit, values)
    except FieldError as exc:
        return _back_to_audit(audit_id, exc, values)
    db_session().commit()
    flash("The objection is recorded; answer it below.")
    return redirect(url_for("planning.audit", audit_id=audit_id))


@bp.post("/audits/<uuid:audit_id>/objections/<uuid:objection_id>")
@requires(Action.PLAN_AUDITS)
def answer_objection(audit_id: uuid.UUID, objection_id: uuid.UUID):  # type: ignore[no-untyped-def]
    audit = visible(Audit, audit_id, Action.VIEW_AUDIT)
    objection = db_session().get(TeamObjection, objection_id)
    if objection is None or objection.audit_id != audit.id:
        abort(404, description="This audit has no such objection.")
    values = {n: request.form.get(n, "") for n in ("outcome", "answer")}
    try:
        auditors.answer_objection(server_work(), objection, audit, g.user, values)
    except FieldError as exc:
        return _back_to_audit(audit_id, exc, values)
    db_session().commit()
    flash("The objection is answered.")
    return redirect(url_for("planning.audit", audit_id=audit_id))


@bp.app_template_global("team_objections")
def team_objections(audit: Audit) -> list[TeamObjection]:
    """The client's objections to members of this audit's team, oldest first."""
    return list(
        db_session().scalars(
            select(TeamObjection)
            .where(TeamObjection.audit_id == audit.id)
            .order_by(TeamObjection.created_at)
        )
    )
