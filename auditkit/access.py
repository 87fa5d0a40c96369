"""The access policy of the CB server: `can(user, action, obj)`, in one place.

Staff (admin, planner, reviewer, decision maker) see every audit and client. An auditor with
no staff role sees only the audits whose team they are on, and of a client only what those
audits need (its page, reached from such an audit); never other laptops' ids or the changes
they sent. Reviews and decisions are by staff outside the audit's team (auditkit.workflow
checks that too, for each move). Views, templates (`can` is a jinja global) and the sync API
ask this module; tests check every route against a table written out by hand.
No Flask here.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import object_session

from auditkit import queries
from auditkit.models import (
    Audit,
    AuditTeamMember,
    Blob,
    BlobHolder,
    Device,
    Organisation,
    Photo,
    Role,
    TeamRole,
    User,
)


class Action(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_AUDIT = "audit.view"
    VIEW_SYNC_ACTIVITY = "audit.sync_activity"  # laptops' ids and what they sent, refusals too
    REVIEW_AUDIT = "audit.review"  # return or accept (and later queries, release)
    SYNC_AUDIT = "audit.sync"  # a laptop pulls it and pushes changes to it
    VIEW_ORGANISATION = "organisation.view"
    IMPORT_PACKAGE = "package.import"
    MANAGE_CLIENTS = "clients.manage"  # create and edit clients, sites, contacts; archive
    PLAN_AUDITS = "audits.plan"  # plan an audit: type, dates, sites, team, audit time
    OVERRIDE_TEAM_CHECKS = "audits.override_team"  # assign a team the checks block, with reason
    VIEW_PROGRAMME = "programme.view"  # the CB-wide list of audits due, overdue, at risk
    MANAGE_AUDITORS = "auditors.manage"  # qualifications and declared ties of auditors
    EVALUATE_CORRECTIVE_ACTIONS = "capa.evaluate"  # judge plans, verify, close, reopen
    MANAGE_PORTAL = "portal.manage"  # invite client contacts to the portal, disable them
    VIEW_DECISIONS = "decisions.view"  # the decision queue, files, decisions, certificates
    DECIDE = "decisions.take"  # take a certification decision (gates check the teams)
    RECORD_APPEAL = "appeals.record"  # note an appeal as received
    DECIDE_APPEAL = "appeals.decide"  # by someone who took no part in the decision
    MANAGE_USERS = "users.manage"  # create accounts, set roles, reset passwords, disable
    CHANGE_OWN_PASSWORD = "account.password"


STAFF = frozenset({Role.ADMIN, Role.PLANNER, Role.REVIEWER, Role.DECISION_MAKER})
REVIEWERS = frozenset({Role.ADMIN, Role.REVIEWER})
IMPORTERS = frozenset({Role.ADMIN, Role.PLANNER})
PLANNERS = frozenset({Role.ADMIN, Role.PLANNER})
DECISION_MAKERS = frozenset({Role.ADMIN, Role.DECISION_MAKER})
SIGN_IN = STAFF | {Role.AUDITOR}


def roles_of(user: User | None) -> frozenset[Role]:
    if user is None or not user.is_active:
        return frozenset()
    return frozenset(r.role for r in user.roles)


def is_staff(user: User | None) -> bool:
    return bool(roles_of(user) & STAFF)


def on_team(user: User, audit: Audit) -> bool:
    return any(m.user_id == user.id for m in audit.team)


def can(user: User | None, action: Action | str, obj: object = None) -> bool:
    """Whether `user` may do `action` (to `obj`, where the action names one)."""
    roles = roles_of(user)
    if not roles or user is None:
        return False
    action = Action(action)
    if action == Action.VIEW_DASHBOARD:
        return bool(roles & SIGN_IN)
    if action == Action.IMPORT_PACKAGE:
        return bool(roles & IMPORTERS)
    if action in (Action.MANAGE_CLIENTS, Action.PLAN_AUDITS, Action.MANAGE_AUDITORS):
        return bool(roles & PLANNERS)
    if action == Action.VIEW_PROGRAMME:
        return bool(roles & STAFF)
    if action == Action.EVALUATE_CORRECTIVE_ACTIONS:
        # The audit's lead auditor, or a reviewer (17021-1 9.4.10: the CB reviews them).
        assert isinstance(obj, Audit)
        if roles & REVIEWERS:
            return True
        return any(m.user_id == user.id and m.role == TeamRole.LEAD for m in obj.team)
    if action == Action.MANAGE_PORTAL:
        return bool(roles & (PLANNERS | REVIEWERS))
    if action in (Action.VIEW_DECISIONS, Action.RECORD_APPEAL):
        return bool(roles & STAFF)
    if action in (Action.DECIDE, Action.DECIDE_APPEAL):
        return bool(roles & DECISION_MAKERS)
    if action == Action.OVERRIDE_TEAM_CHECKS:
        return Role.ADMIN in roles
    if action == Action.MANAGE_USERS:
        return Role.ADMIN in roles
    if action == Action.CHANGE_OWN_PASSWORD:
        return bool(roles & SIGN_IN)
    if action == Action.VIEW_AUDIT:
        assert isinstance(obj, Audit)
        return bool(roles & STAFF) or (Role.AUDITOR in roles and on_team(user, obj))
    if action == Action.VIEW_SYNC_ACTIVITY:
        return bool(roles & REVIEWERS)
    if action == Action.REVIEW_AUDIT:
        assert isinstance(obj, Audit)
        return bool(roles & REVIEWERS) and not on_team(user, obj)
    if action == Action.SYNC_AUDIT:
        assert isinstance(obj, Audit)
        return on_team(user, obj)
    if action == Action.VIEW_ORGANISATION:
        assert isinstance(obj, Organisation)
        if roles & STAFF:
            return True
        if Role.AUDITOR not in roles:
            return False
        # One EXISTS query: loading every audit of a large client and each team was 235
        # queries on a client with 400 audits (bench/bench_planning.py).
        session = object_session(obj)
        if session is None:
            return any(on_team(user, a) for a in obj.audits)
        return bool(
            session.scalar(
                select(
                    exists().where(
                        AuditTeamMember.audit_id == Audit.id,
                        Audit.organisation_id == obj.id,
                        AuditTeamMember.user_id == user.id,
                    )
                )
            )
        )
    raise ValueError(f"no rule for {action}")


def syncable_audit_ids(user: User) -> Select[tuple[uuid.UUID]]:
    """The audits a laptop of `user` pulls and pushes to: those whose team they are on."""
    return select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user.id)


def readable_blobs(user: User, device_id: uuid.UUID, shas: Collection[str]) -> Select[tuple[str]]:
    """Of these stored blobs, those a laptop (`device_id`, of `user`) may read: the bytes of
    a photo in an audit it may pull, or its own upload that no photo names yet.

    Once a photo names a blob, the audits decide: an auditor who left a team no longer reads
    its photos, even those their laptop sent. For any other blob the server answers as if it
    had none (404), so a laptop cannot learn what other teams' photos exist.
    """
    named = exists().where(Photo.sha256 == Blob.sha256)
    in_audits = exists().where(
        Photo.sha256 == Blob.sha256, Photo.audit_id.in_(syncable_audit_ids(user))
    )
    sent_it = exists().where(BlobHolder.sha256 == Blob.sha256, BlobHolder.device_id == device_id)
    return select(Blob.sha256).where(
        Blob.sha256.in_(list(shas)), or_(in_audits, and_(~named, sent_it))
    )


def held_blobs(user: User, shas: Collection[str]) -> Select[tuple[str]]:
    """Of these stored blobs, those `user` has shown to have: a laptop of theirs sent the
    bytes (verified), or they are a photo of an audit the user may pull.

    Only these may a laptop of `user` name in a new photo without sending the bytes, and only
    these does the server say it has (blobs/check); of any other, it asks for the bytes.
    """
    sent_them = exists().where(
        BlobHolder.sha256 == Blob.sha256,
        BlobHolder.device_id == Device.id,
        Device.user_id == user.id,
    )
    in_audits = exists().where(
        Photo.sha256 == Blob.sha256, Photo.audit_id.in_(syncable_audit_ids(user))
    )
    return select(Blob.sha256).where(Blob.sha256.in_(list(shas)), or_(sent_them, in_audits))


def visible_audits(user: User) -> Select[tuple[Audit]]:
    """The audits `user` may see, for lists (staff: all; an auditor: their teams')."""
    if is_staff(user):
        return queries.all_audits()
    return queries.all_audits().where(
        Audit.id.in_(select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user.id))
    )


def visible_organisations(user: User) -> Select[tuple[Organisation]]:
    """The clients `user` may see (an auditor: those of their audits)."""
    if is_staff(user):
        return queries.organisations()
    mine = (
        select(Audit.organisation_id)
        .join(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(AuditTeamMember.user_id == user.id)
    )
    return queries.organisations().where(Organisation.id.in_(mine))
