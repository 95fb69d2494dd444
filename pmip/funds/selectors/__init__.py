"""Reads of the funds domain, scoped to what the reader may see (pmip.funds.permissions):

- staff read every project in their scope; owners read the projects where they have an active house binding
  (project and building figures, repairs, common funds, published disclosures and reports) and the sub-ledgers of
  their own bound units only — anything else raises NotFound (not-found and forbidden look the same);
- a delegate (被委托人) reads a delegated project like its principal: the project and building figures and the
  sub-ledgers of exactly the principal's bound units there (`permissions.readable_unit_ids`); `delegated_fund_projects`
  lists those projects for the 维修资金情况 entry page;
- the city-wide open data of 维修金概览 (city, district and project totals, units below the replenishment line) and
  a project's headline figures are public and take no actor.

The replenishment line (续筹): a unit is flagged when its balance is STRICTLY below `replenish_threshold_pct` % of
its first deposit (exactly on the line is not flagged); units without a first deposit are never flagged. The SQL
compares integers (fen × 10 000 against fen × basis points) so it is exact on PostgreSQL and on SQLite.

One module per subject, every read re-exported here (`from pmip.funds import selectors` is all a caller needs):
balances (the replenishment line, `Figures`), projects (project and building figures, 资金明细), repairs, units
(sub-ledgers, the owner's and a delegate's units), open_data (维修金概览, follows), common_funds (accounts, bank
flows), disclosures, reports (季度收支报表).
"""

from pmip.funds.selectors.balances import (
    Figures,
    UnitRow,
    below_line,
    count_flagged_units,
    flagged_counts,
    flagged_units,
    is_below_line,
    project_figures,
    replenish_line,
)
from pmip.funds.selectors.common_funds import account_flows, common_fund_accounts, get_common_fund_account
from pmip.funds.selectors.disclosures import disclosures_for, get_disclosure
from pmip.funds.selectors.open_data import (
    AreaTotals,
    CityOverview,
    PublicFigures,
    city_overview,
    followed_projects,
    is_following,
    public_figures_for,
    public_project_figures,
    public_project_list,
)
from pmip.funds.selectors.projects import (
    BuildingOverview,
    BuildingRow,
    ProjectOverview,
    building_overview,
    building_unit_list,
    get_building,
    project_building_list,
    project_entries,
    project_overview,
)
from pmip.funds.selectors.repairs import get_repair, project_repairs, repair_shares
from pmip.funds.selectors.reports import (
    OWNER_REPORT_STATUSES,
    FundPeriodFigures,
    ReportData,
    build_report_data,
    fund_period_figures,
    quarter_bounds,
    quarterly_reports,
    report_data,
    report_versions,
)
from pmip.funds.selectors.units import (
    DelegatedProject,
    LedgerLine,
    UnitOverview,
    delegated_fund_projects,
    my_fund_projects,
    my_fund_units,
    owner_fund_project,
    unit_ledger,
    unit_overview,
)

__all__ = [
    "AreaTotals",
    "BuildingOverview",
    "BuildingRow",
    "CityOverview",
    "DelegatedProject",
    "Figures",
    "FundPeriodFigures",
    "LedgerLine",
    "OWNER_REPORT_STATUSES",
    "ProjectOverview",
    "PublicFigures",
    "ReportData",
    "UnitOverview",
    "UnitRow",
    "account_flows",
    "below_line",
    "build_report_data",
    "building_overview",
    "building_unit_list",
    "city_overview",
    "common_fund_accounts",
    "count_flagged_units",
    "delegated_fund_projects",
    "disclosures_for",
    "flagged_counts",
    "flagged_units",
    "followed_projects",
    "fund_period_figures",
    "get_building",
    "get_common_fund_account",
    "get_disclosure",
    "get_repair",
    "is_below_line",
    "is_following",
    "my_fund_projects",
    "my_fund_units",
    "owner_fund_project",
    "project_building_list",
    "project_entries",
    "project_figures",
    "project_overview",
    "project_repairs",
    "public_figures_for",
    "public_project_figures",
    "public_project_list",
    "quarter_bounds",
    "quarterly_reports",
    "repair_shares",
    "replenish_line",
    "report_data",
    "report_versions",
    "unit_ledger",
    "unit_overview",
]
