"""Writes of the funds domain. Every function is keyword-only, checks permission itself (`pmip.funds.permissions`),
runs in one transaction and writes its audit entry in that transaction. `actor=None` is the system.

Maintenance fund (物业专项维修资金), domain-rules §2 — postings go through `pmip.funds.ledger.post`, which locks
the project's balance row first and keeps unit/building/project balances in step:
- `set_fund_policy`                 project settings (cost standard, rates, threshold, interest method …)
- `post_first_deposits`             首期: area × cost standard (lift / no lift) × rate, rounded half up to the fen
- `post_monthly_contributions`      日常: area × monthly rate per m², once per project and month
- `receive_interest`                利息收益 into the project's unallocated pool
- `allocate_interest`               the pool (or part of it) to the sub-ledgers pro rata to balance
- `create_repair` / `update_repair` (draft only) / `charge_repair` / `cancel_repair`, `preview_apportionment` / `preview_repair` (no writes)
- `post_refund`, `post_transfer`    退款, 划转 of one unit
- `reverse_entry`                   冲正: the only correction; the corrected entry stays as it was
Common funds (业主共有资金): `open_common_fund_account`, `close_common_fund_account`, `receive_bank_push`
(statement imports are in `pmip.funds.importing`); every outflow strictly greater than the disclosure threshold
creates a draft large-transfer disclosure. Disclosures: `create_notice`, `edit_disclosure`, `publish_disclosure`.
Quarterly reports: `open_quarterly_report`, `add_report_line`, `remove_report_line`, `publish_quarterly_report`,
`correct_quarterly_report` (a new version; the published one is marked superseded when it is published).
Follows: `follow_project`, `unfollow_project`.

Audit actions: funds.policy.updated, funds.first_deposit.posted, funds.monthly.posted, funds.interest.received,
funds.interest.allocated, funds.repair.created, funds.repair.edited, funds.repair.charged, funds.repair.cancelled, funds.refund.posted,
funds.transfer.posted, funds.entry.reversed, funds.account.opened, funds.account.closed, funds.flows.recorded,
funds.disclosure.created, funds.disclosure.edited, funds.disclosure.published, funds.report.opened,
funds.report.line_added, funds.report.line_removed, funds.report.published, funds.report.correction_opened,
funds.follow.added,
funds.follow.removed, funds.reconcile.mismatch (reconcile.py), funds.import.completed (importing.py).
"""

from pmip.funds.services.common import MEMO_MAX, PostingResult, PreviewChanged, clean_money, unit_label
from pmip.funds.services.common_funds import (
    FlowsRejected,
    FlowsResult,
    close_common_fund_account,
    open_common_fund_account,
    receive_bank_push,
    record_bank_flows,
)
from pmip.funds.services.corrections import is_reversed, is_reversible, reversal_refusal, reverse_entry
from pmip.funds.services.disclosures import create_notice, edit_disclosure, publish_disclosure
from pmip.funds.services.follows import follow_project, unfollow_project
from pmip.funds.services.interest import (
    InterestPreview,
    allocate_interest,
    preview_interest_allocation,
    receive_interest,
    unallocated_pool,
)
from pmip.funds.services.policy import set_fund_policy
from pmip.funds.services.postings import (
    compute_first_deposit,
    post_first_deposits,
    post_monthly_contributions,
    post_refund,
    post_transfer,
)
from pmip.funds.services.repairs import (
    cancel_repair,
    charge_repair,
    create_repair,
    preview_apportionment,
    preview_repair,
    update_repair,
)
from pmip.funds.services.reports import (
    add_report_line,
    correct_quarterly_report,
    open_quarterly_report,
    publish_quarterly_report,
    remove_report_line,
)

__all__ = [
    "FlowsRejected",
    "FlowsResult",
    "InterestPreview",
    "MEMO_MAX",
    "PostingResult",
    "PreviewChanged",
    "add_report_line",
    "allocate_interest",
    "cancel_repair",
    "charge_repair",
    "clean_money",
    "close_common_fund_account",
    "compute_first_deposit",
    "create_notice",
    "create_repair",
    "update_repair",
    "edit_disclosure",
    "follow_project",
    "open_common_fund_account",
    "correct_quarterly_report",
    "open_quarterly_report",
    "post_first_deposits",
    "post_monthly_contributions",
    "post_refund",
    "post_transfer",
    "preview_apportionment",
    "preview_interest_allocation",
    "preview_repair",
    "publish_disclosure",
    "publish_quarterly_report",
    "receive_bank_push",
    "receive_interest",
    "record_bank_flows",
    "remove_report_line",
    "is_reversed",
    "is_reversible",
    "reversal_refusal",
    "reverse_entry",
    "set_fund_policy",
    "unallocated_pool",
    "unfollow_project",
    "unit_label",
]
