"""Writes of 信用信息: subjects, good/bad entries (one by one or an all-or-nothing import), disputes, office
inspection scores, the risk list and the policy. Every write checks permission, runs in one transaction and is
audited; people concerned are notified through the outbox.

One module per use-case group (common, entries, imports, disputes, risk, policy); this package re-exports them, so
callers keep writing `services.add_entry(...)`. `_refresh_subject` is re-exported for the demo data."""

from pmip.credit.services.common import ACTIONS, default_validity
from pmip.credit.services.disputes import decide_dispute, file_dispute
from pmip.credit.services.entries import add_entry, create_subject
from pmip.credit.services.imports import IMPORT_COLUMNS, MAX_IMPORT_ROWS, import_entries, require_import
from pmip.credit.services.policy import POLICY_FIELDS, update_policy
from pmip.credit.services.risk import _refresh_subject, record_inspection_score, refresh_risk_list

__all__ = [
    "ACTIONS",
    "IMPORT_COLUMNS",
    "MAX_IMPORT_ROWS",
    "POLICY_FIELDS",
    "_refresh_subject",
    "add_entry",
    "create_subject",
    "decide_dispute",
    "default_validity",
    "file_dispute",
    "import_entries",
    "require_import",
    "record_inspection_score",
    "refresh_risk_list",
    "update_policy",
]
