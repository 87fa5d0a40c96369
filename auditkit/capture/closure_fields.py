"""The free-text parts of an audit's closure, each a section of the report."""

TEXT_FIELDS = (
    "conclusion",
    "plan_deviations",
    "significant_issues",
    "significant_changes",
    "unresolved_issues",
    "marks_use",
    "previous_nc_verification",
)

TEXT_LABELS = {
    "conclusion": "Audit conclusion",
    "plan_deviations": "Deviations from the audit plan, and why",
    "significant_issues": "Significant issues affecting the audit programme",
    "significant_changes": "Significant changes to the management system since the last audit",
    "unresolved_issues": "Unresolved issues and diverging opinions",
    "marks_use": "Control of certification documents and marks",
    "previous_nc_verification": "Effectiveness of corrective actions on earlier nonconformities",
}
