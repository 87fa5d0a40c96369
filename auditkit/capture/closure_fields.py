"""The parts of an audit's closure the lead writes, each a part of the report."""

from auditkit.models.enums import ObjectivesMet, ScopeFit, SystemEffectiveness

# The conclusion and the report sections of ISO/IEC 17021-1 9.4.8 (empty means "none").
SECTION_TEXTS = (
    "conclusion",
    "plan_deviations",
    "significant_issues",
    "significant_changes",
    "unresolved_issues",
    "marks_use",
    "previous_nc_verification",
)
# The statements of 17021-1 9.4.8.3, each a choice with the evidence behind it.
STATEMENT_TEXTS = (
    "effectiveness_summary",
    "internal_audit_evidence",
    "management_review_evidence",
    "scope_note",
    "objectives_note",
)
TEXT_FIELDS = SECTION_TEXTS + STATEMENT_TEXTS
CHOICE_FIELDS = {
    "system_effectiveness": SystemEffectiveness,
    "scope_fit": ScopeFit,
    "objectives_met": ObjectivesMet,
}

TEXT_LABELS = {
    "conclusion": "Audit conclusion",
    "plan_deviations": "Deviations from the audit plan, and why",
    "significant_issues": "Significant issues affecting the audit programme",
    "significant_changes": "Significant changes to the management system since the last audit",
    "unresolved_issues": "Unresolved issues and diverging opinions",
    "marks_use": "Control of certification documents and marks",
    "previous_nc_verification": "Effectiveness of corrective actions on earlier nonconformities",
    "effectiveness_summary": "Summary of the evidence for this statement",
    "internal_audit_evidence": "Internal audits: what was seen",
    "management_review_evidence": "Management review: what was seen",
    "scope_note": "On the scope",
    "objectives_note": "On the audit objectives",
}
CHOICE_LABELS = {
    "system_effectiveness": "Conformity and effectiveness of the management system",
    "scope_fit": "Is the scope of certification appropriate?",
    "objectives_met": "Were the audit objectives met?",
}
