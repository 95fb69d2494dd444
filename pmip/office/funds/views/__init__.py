"""Back office → 维修资金: maintenance-fund ledgers, repairs, postings, fund-centre imports, common-fund accounts and
bank statements, disclosures, quarterly reports, the replenishment list and reconciliation.

Views validate input, call a selector or a service of `pmip.funds`, and render. Who may do what is decided by
`pmip.funds.permissions` (read: any back-office role covering the project; 记账: an editable government role;
维修申报/共有资金/公示/报表: that or the project's committee). A project outside the user's scope is 404 for GET and
POST alike (the project is looked up in the user's scope first, and every object is checked to belong to it); a
reader who may not write sees no buttons, and a write they attempt anyway is refused by the service (403 page).

Nothing posted can be edited or deleted: there is no URL for it. A correction is a reversal (冲正) or, for a
repair, cancelling it (every share reversed).
"""

from pmip.office.funds.views.accounts import (
    account_close,
    account_detail,
    account_list,
    account_open,
    account_statement,
)
from pmip.office.funds.views.common import (
    APPORTION_RULE,
    ENTRIES_PER_PAGE,
    FIGURE_LABELS,
    LEVEL_LABELS,
    POLICY_LABELS,
    PROJECTS_PER_PAGE,
    ROWS_PER_PAGE,
    UNITS_PER_PAGE,
    funds_view,
)
from pmip.office.funds.views.disclosures import (
    disclosure_detail,
    disclosure_edit,
    disclosure_list,
    disclosure_new,
    disclosure_publish,
)
from pmip.office.funds.views.imports import import_entries, reconcile_view
from pmip.office.funds.views.ledger import (
    building_detail,
    entry_reverse,
    flags,
    index,
    ledger,
    project_detail,
    unit_detail,
)
from pmip.office.funds.views.postings import post_first_deposits, post_interest, post_monthly
from pmip.office.funds.views.repairs import (
    repair_cancel,
    repair_charge,
    repair_detail,
    repair_edit,
    repair_list,
    repair_new,
)
from pmip.office.funds.views.reports import (
    report_correct,
    report_detail,
    report_download,
    report_line_add,
    report_line_remove,
    report_list,
    report_open,
    report_publish,
)

__all__ = [
    "APPORTION_RULE",
    "ENTRIES_PER_PAGE",
    "FIGURE_LABELS",
    "LEVEL_LABELS",
    "POLICY_LABELS",
    "PROJECTS_PER_PAGE",
    "ROWS_PER_PAGE",
    "UNITS_PER_PAGE",
    "account_close",
    "account_detail",
    "account_list",
    "account_open",
    "account_statement",
    "building_detail",
    "disclosure_detail",
    "disclosure_edit",
    "disclosure_list",
    "disclosure_new",
    "disclosure_publish",
    "entry_reverse",
    "flags",
    "funds_view",
    "import_entries",
    "index",
    "ledger",
    "post_first_deposits",
    "post_interest",
    "post_monthly",
    "project_detail",
    "reconcile_view",
    "repair_cancel",
    "repair_edit",
    "repair_charge",
    "repair_detail",
    "repair_list",
    "repair_new",
    "report_correct",
    "report_detail",
    "report_download",
    "report_line_add",
    "report_line_remove",
    "report_list",
    "report_open",
    "report_publish",
    "unit_detail",
]
