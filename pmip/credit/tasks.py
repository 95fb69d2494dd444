"""Background tasks of 信用信息 (run by `manage.py periodic`, settings.PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

from django.tasks import task


@task
def refresh_risk_list() -> int:
    """Daily: the 风险名单 pass over every company and project leader — who now meets a condition enters, who has
    been clean for the policy's period leaves (entries also expire without any write that would notice). Returns
    how many are on the list."""
    from pmip.credit.services import refresh_risk_list as refresh

    return refresh()
