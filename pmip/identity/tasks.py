"""Periodic work of the identity app (scheduled by `manage.py periodic`, PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

from django.tasks import task

from pmip.identity import offline


@task
def purge_offline_evidence(limit: int = 200) -> int:
    """Delete offline-verification evidence files past their retention period (decision + N days); audited."""
    return offline.purge_expired_evidence(limit=limit)
