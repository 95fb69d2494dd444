"""Background tasks of the funds domain (Django tasks framework; run by `manage.py db_worker`)."""

from __future__ import annotations

from django.tasks import task

from pmip.funds.reconcile import reconcile


@task
def reconcile_funds(project_ids: list[int] | None = None) -> dict:
    """Nightly 对账: recompute maintained balances from the ledger. Returns the count and the first mismatches
    (also written to the audit log as funds.reconcile.mismatch when any)."""
    mismatches = reconcile(project_ids=project_ids)
    return {"count": len(mismatches), "first": [m.as_dict() for m in mismatches[:20]]}
