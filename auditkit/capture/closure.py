"""Closing the audit: recommendation, conclusion, sign-off and the auditee's acknowledgement."""

from __future__ import annotations

from sqlalchemy import select

from auditkit import recommendations
from auditkit.capture import completeness
from auditkit.capture.closure_fields import CHOICE_FIELDS, TEXT_FIELDS
from auditkit.capture.digest import DIGEST_VERSION, content_digest
from auditkit.capture.errors import Incomplete, Invalid
from auditkit.capture.forms import FormData, FormReader
from auditkit.capture.workspace import Workspace
from auditkit.checklists import IntegratedTree
from auditkit.models import AuditClosure, AuditTeamMember, Recommendation, TeamRole, utcnow


def get_closure(ws: Workspace) -> AuditClosure:
    """The audit's closure row (not yet added to the session when there is none)."""
    return ws.closure() or AuditClosure(
        audit_id=ws.audit.id, version=0, **dict.fromkeys(TEXT_FIELDS, "")
    )


def save_conclusion(ws: Workspace, form: FormData, *, confirm_void: bool = False) -> AuditClosure:
    """Save the recommendation, the 9.4.8.3 statements and the report sections the lead writes.

    A recommendation that does not fit the audit type is refused here; one that contradicts
    the findings is saved (findings may still change) and refused at sign-off.
    """
    reader = FormReader(form)
    recommendation = reader.choice("recommendation", Recommendation)
    if recommendation is not None and recommendation not in recommendations.choices(
        ws.audit.audit_type
    ):
        reader.fail("recommendation", "Choose one of the recommendations offered for this audit.")
    chosen = {name: reader.choice(name, enum) for name, enum in CHOICE_FIELDS.items()}
    texts = {name: reader.text(name) for name in TEXT_FIELDS}
    reader.done()
    closure = get_closure(ws)
    changes: dict[str, object] = {
        name: value for name, value in texts.items() if (getattr(closure, name) or "") != value
    }
    for name, value in {"recommendation": recommendation, **chosen}.items():
        if getattr(closure, name) != value:
            changes[name] = value.value if value else None
    if not changes:
        return closure
    ws.ensure_editable(confirm_void=confirm_void)
    ws.session.add(closure)
    base = closure.version or None
    closure.recommendation = recommendation
    for name, value in {**texts, **chosen}.items():
        setattr(closure, name, value)
    closure.version = (closure.version or 0) + 1
    ws.session.flush()
    ws.record("closure.set.v1", str(closure.id), base, changes)
    return closure


def is_lead(ws: Workspace) -> bool:
    return (
        ws.session.scalars(
            select(AuditTeamMember).where(
                AuditTeamMember.audit_id == ws.audit.id,
                AuditTeamMember.user_id == ws.user_id,
                AuditTeamMember.role == TeamRole.LEAD,
            )
        ).first()
        is not None
    )


def sign_off(
    ws: Workspace, tree: IntegratedTree | None = None, *, accept_gaps: bool = False
) -> AuditClosure:
    """The lead auditor signs: time and a sha256 of the audit's content are recorded.

    Refused when the recommendation contradicts the findings; when something is missing
    (completeness.check), Incomplete asks first unless the lead accepted the gaps.
    """
    ws.ensure_not_locked()
    if ws.is_signed():
        raise Invalid(
            {"sign": "This audit is already signed. A change to it voids the signature first."}
        )
    if not is_lead(ws):
        raise Invalid({"sign": "Only the lead auditor of this audit can sign it off."})
    closure = get_closure(ws)
    if closure.recommendation is None:
        raise Invalid({"recommendation": "Choose the team's recommendation before signing."})
    found = completeness.check(ws, tree or ws.tree())
    if found.refusal:
        raise Invalid({"recommendation": found.refusal})
    if found.gaps and not accept_gaps:
        raise Incomplete(found)
    ws.session.add(closure)
    ws.session.flush()
    base = closure.version or None
    closure.signed_by_id = ws.user_id
    closure.signed_at = utcnow()
    closure.digest_version = DIGEST_VERSION
    closure.signed_content_sha256 = content_digest(ws.session, ws.audit.id, DIGEST_VERSION)
    closure.version = (closure.version or 0) + 1
    ws.record(
        "audit.sign.v1",
        str(closure.id),
        base,
        {
            "signed_at": closure.signed_at.isoformat(),
            "content_sha256": closure.signed_content_sha256,
            "digest_version": DIGEST_VERSION,
        },
    )
    return closure


def signature_matches(ws: Workspace, closure: AuditClosure) -> bool | None:
    """Does the audit still hash to what was signed (with the digest the signature used)?"""
    if not closure.signed_content_sha256:
        return None
    version = closure.digest_version or 1
    return content_digest(ws.session, ws.audit.id, version) == closure.signed_content_sha256


def acknowledge(ws: Workspace, form: FormData) -> AuditClosure:
    """The auditee's representative acknowledges the signed findings with their typed name."""
    reader = FormReader(form)
    name = reader.text("auditee_name", required="Type the representative's full name.", limit=200)
    reader.done()
    closure = get_closure(ws)
    if closure.signed_at is None:
        raise Invalid(
            {"auditee_name": "The lead auditor signs first; then the auditee acknowledges."}
        )
    ws.ensure_not_locked()  # the audit is signed: acknowledging is the one step that may follow
    base = closure.version
    closure.auditee_name = name
    closure.auditee_acknowledged_at = utcnow()
    closure.version += 1
    ws.record(
        "audit.acknowledge.v1",
        str(closure.id),
        base,
        {"auditee_name": name, "acknowledged_at": closure.auditee_acknowledged_at.isoformat()},
    )
    return closure
