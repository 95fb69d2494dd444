"""Staff API of 维修资金 (/api/v1/office/funds/...), with the back-office session (password + SMS code); CSRF is
checked on writes.

The same selectors and services as the back-office pages (`pmip.office.funds`), so the same scopes and error codes:
a project, repair, entry, disclosure or report outside the caller's scope is 404 `not_found` for reads and writes
alike; a reader who may not write gets 403 `forbidden` (e.g. a committee member reversing an entry: only the housing
authority's fund centre keeps the ledger); a refused rule is 422 with the service's code (`decision_required`,
`already_reversed`, `reverse_repair_share`, `repair_not_draft`, `disclosure_published` …). A charge whose
apportionment no longer matches the preview the caller checked (`preview_digest`) is 409 `preview_changed`.

Money is a string with two decimals ("1234.50"), never a JSON number: amounts are exact to the fen.
Nothing here edits or deletes a posted entry: corrections are reversals.

One module per subject (ledger, repairs, disclosures, reports), the schemas in `schemas`, the router in `common`;
everything is re-exported here. Operation ids keep naming this module (`pmip.api.urls.PmipAPI`), and the paths keep
the order they had when this was one module (`PUBLISHED_ORDER`), so the published spec did not change.
"""

from pmip.api.office_funds.common import router
from pmip.api.office_funds.disclosures import list_disclosures, publish_disclosure
from pmip.api.office_funds.ledger import (
    list_projects,
    project_buildings,
    project_entries,
    project_overview,
    reverse_entry,
    unit_ledger,
)
from pmip.api.office_funds.repairs import (
    cancel_repair,
    charge_repair,
    create_repair,
    get_repair,
    list_repairs,
    preview_repair,
    update_repair,
)
from pmip.api.office_funds.reports import correct_report, get_report, list_reports
from pmip.api.office_funds.schemas import (
    AllocationOut,
    ChargeIn,
    ChargeOut,
    CorrectReportIn,
    EntryOut,
    EntryPageOut,
    FundFigureOut,
    MayOut,
    OfficeFundBuildingRowOut,
    OfficeFundDisclosureOut,
    OfficeFundDisclosurePageOut,
    OfficeFundDisclosuresIn,
    OfficeFundEntriesIn,
    OfficeFundFiguresOut,
    OfficeFundPageIn,
    OfficeFundProjectFiguresOut,
    OfficeFundProjectPageOut,
    OfficeFundRepairOut,
    OfficeFundRepairPageOut,
    OfficeFundReportLineOut,
    OfficeFundReportOut,
    OfficeFundSettingOut,
    OverviewOut,
    PreviewOut,
    ProjectRowOut,
    ProjectsIn,
    ReasonIn,
    RepairIn,
    RepairRowOut,
    ReportRowOut,
    ScopeIn,
    UnitLedgerLineOut,
    UnitLedgerOut,
)

# The order of the paths in the published spec (and in the docs page): as they were declared in one module.
# A path not listed here (a new one) follows these in the order its module declares it.
PUBLISHED_ORDER = (
    "/projects",
    "/projects/{code}",
    "/projects/{code}/buildings",
    "/projects/{code}/entries",
    "/units/{unit_id}/ledger",
    "/projects/{code}/repairs",
    "/repairs/{repair_id}",
    "/projects/{code}/disclosures",
    "/projects/{code}/reports",
    "/reports/{report_id}",
    "/projects/{code}/repairs/preview",
    "/repairs/{repair_id}/charge",
    "/repairs/{repair_id}/cancel",
    "/reports/{report_id}/correct",
    "/entries/{entry_id}/reverse",
    "/disclosures/{disclosure_id}/publish",
)
router.path_operations = {
    **{path: router.path_operations[path] for path in PUBLISHED_ORDER if path in router.path_operations},
    **router.path_operations,
}

__all__ = [
    "AllocationOut",
    "ChargeIn",
    "ChargeOut",
    "CorrectReportIn",
    "EntryOut",
    "EntryPageOut",
    "FundFigureOut",
    "MayOut",
    "OfficeFundBuildingRowOut",
    "OfficeFundDisclosureOut",
    "OfficeFundDisclosurePageOut",
    "OfficeFundDisclosuresIn",
    "OfficeFundEntriesIn",
    "OfficeFundFiguresOut",
    "OfficeFundPageIn",
    "OfficeFundProjectFiguresOut",
    "OfficeFundProjectPageOut",
    "OfficeFundRepairOut",
    "OfficeFundRepairPageOut",
    "OfficeFundReportLineOut",
    "OfficeFundReportOut",
    "OfficeFundSettingOut",
    "OverviewOut",
    "PUBLISHED_ORDER",
    "PreviewOut",
    "ProjectRowOut",
    "ProjectsIn",
    "ReasonIn",
    "RepairIn",
    "RepairRowOut",
    "ReportRowOut",
    "ScopeIn",
    "UnitLedgerLineOut",
    "UnitLedgerOut",
    "cancel_repair",
    "charge_repair",
    "correct_report",
    "create_repair",
    "get_repair",
    "get_report",
    "list_disclosures",
    "list_projects",
    "list_repairs",
    "list_reports",
    "preview_repair",
    "project_buildings",
    "project_entries",
    "project_overview",
    "publish_disclosure",
    "reverse_entry",
    "router",
    "unit_ledger",
    "update_repair",
]
