"""维修资金 (maintenance fund) ledgers, repairs, 业主共有资金 (common funds) and bank flows, 公示 (disclosures),
季度收支报表 (quarterly reports) and 关注 (follows).

One module per subject, every model re-exported here (Django loads the app's models from this package): base (ZERO,
`summed`, the append-only base), fund_policy, repairs, ledger (the append-only ledger and the balances kept with it:
read its docstring for the sign and category rules), common_funds (accounts, bank flows, masking), disclosures,
reports, follows.
"""

# What the append-only models raise; callers import it from here too.
from pmip.core.errors import AppendOnlyError

# In the order the models were declared when this was one module (the order Django registers them).
# isort: off
from pmip.funds.models.base import AppendOnly, AppendOnlyQuerySet, ZERO, summed
from pmip.funds.models.fund_policy import FundPolicy
from pmip.funds.models.repairs import Repair, RepairShare
from pmip.funds.models.ledger import BalanceFields, BuildingBalance, LedgerEntry, ProjectBalance, UnitBalance
from pmip.funds.models.common_funds import BankFlow, CommonFundAccount, mask_account_number, mask_counterparty
from pmip.funds.models.disclosures import Disclosure
from pmip.funds.models.reports import QuarterlyReport, ReportLine
from pmip.funds.models.follows import ProjectFollow
# isort: on

__all__ = [
    "AppendOnlyError",
    "AppendOnly",
    "AppendOnlyQuerySet",
    "BalanceFields",
    "BankFlow",
    "BuildingBalance",
    "CommonFundAccount",
    "Disclosure",
    "FundPolicy",
    "LedgerEntry",
    "ProjectBalance",
    "ProjectFollow",
    "QuarterlyReport",
    "Repair",
    "RepairShare",
    "ReportLine",
    "UnitBalance",
    "ZERO",
    "mask_account_number",
    "mask_counterparty",
    "summed",
]
