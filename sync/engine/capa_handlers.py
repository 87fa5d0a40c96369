"""The lead auditor's judgement of a client's corrective action, made offline on the laptop
and applied on the server: capa.judge.v1 (accept or reject the plan) and capa.verify.v1
(verify and close). Both name the revision the lead read; if the client sent a newer one
since, the judgement is refused as a conflict and the laptop shows it to the lead.

Outside the audit's content (workflow Part.CORRECTIVE_ACTIONS: open once the report is
released). A replay of the same mutation is answered from the push log, never applied twice.
"""

from __future__ import annotations

from typing import Any

from auditkit import corrective_actions as capa
from auditkit import workflow
from auditkit.config import cb_identity, server_settings
from auditkit.mail import Mailer, mail_settings
from auditkit.models import CorrectiveAction, Finding, TeamRole
from auditkit.portal import notices
from sync import protocol, wire
from sync.engine.apply import Context, Mutation, Rejected, handler, uuid_of


def _target(ctx: Context, m: Mutation) -> tuple[CorrectiveAction, Finding, dict[str, Any]]:
    if ctx.role != TeamRole.LEAD:
        raise Rejected(protocol.NOT_LEAD, "Only the lead auditor judges corrective actions.")
    ca = ctx.session.get(CorrectiveAction, uuid_of(m.entity_id, "corrective action id"))
    if ca is None or ca.audit_id != ctx.audit.id:
        raise Rejected(protocol.INVALID, "There is no such corrective action on this audit.")
    finding = ctx.session.get(Finding, ca.finding_id)
    assert finding is not None
    values = {}
    try:
        for f in wire.CAPA_JUDGEMENT.fields:
            if f.name in m.payload:
                values[f.name] = wire.check(f, m.payload[f.name])
    except wire.WireError as exc:
        raise Rejected(protocol.INVALID, str(exc)) from exc
    if "revision" not in values:
        raise Rejected(protocol.INVALID, "Name the revision judged.")
    return ca, finding, values


def _refused(exc: capa.CapaRefused) -> Rejected:
    code = protocol.CONFLICT if isinstance(exc, capa.CapaConflict) else protocol.INVALID
    return Rejected(code, exc.message)


@handler("capa.judge.v1", workflow.Part.CORRECTIVE_ACTIONS)
def judge(ctx: Context, m: Mutation) -> dict[str, Any]:
    ca, finding, values = _target(ctx, m)
    if values.get("verdict") not in ("accept", "reject"):
        raise Rejected(protocol.INVALID, "The verdict is accept or reject.")
    accept = values["verdict"] == "accept"
    reason = values.get("reason") or ""
    try:
        capa.judge_plan(ctx.work, ca, values["revision"], accept=accept, reason=reason)
    except capa.CapaRefused as exc:
        raise _refused(exc) from exc
    kind = "plan_accepted" if accept else "plan_rejected"
    _tell(ctx, kind, finding, ca, reason)
    return {"version": ca.version}


@handler("capa.verify.v1", workflow.Part.CORRECTIVE_ACTIONS)
def verify(ctx: Context, m: Mutation) -> dict[str, Any]:
    ca, finding, values = _target(ctx, m)
    try:
        capa.verify(
            ctx.work, ca, finding, method=values.get("method") or "",
            note=values.get("note") or "", revision=values["revision"],
        )  # fmt: skip
    except capa.CapaRefused as exc:
        raise _refused(exc) from exc
    _tell(ctx, "nc_closed", finding, ca, "")
    return {"version": ca.version}


def _tell(ctx: Context, kind: str, finding: Finding, ca: CorrectiveAction, reason: str) -> None:
    """Tell the client's contacts, as the CB's pages do (the mail settings of this server)."""
    mailer = Mailer(mail_settings(server_settings().data_dir), cb_identity().name)
    notices.judged(
        ctx.session, mailer, kind, ctx.audit, finding, ca,
        reason=reason.strip(), by=ctx.work.actor.name,
    )  # fmt: skip
