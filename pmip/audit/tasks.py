"""Background tasks of the audit log (run by `manage.py periodic`, settings.PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

import logging

from django.tasks import task

from pmip.audit import chain
from pmip.audit.publication import verify_and_publish

log = logging.getLogger(__name__)


@task
def seal_audit_chain() -> str:
    """Every few seconds (PMIP_AUDIT_SEAL_SECONDS): chain the entries committed since the last run. Logs an error
    when entries have waited longer than PMIP_AUDIT_SEAL_ALARM_SECONDS (the sealer was stopped or failing)."""
    sealed = chain.seal()
    waiting, oldest = chain.unsealed()
    if oldest is not None and chain.overdue(oldest):
        log.error("audit log: %d entries unchained since %s", waiting, oldest.isoformat())
    return f"sealed {sealed}"


@task
def verify_audit_chain() -> str:
    """Nightly: walk the chain and publish the day's head hash."""
    publication = verify_and_publish()
    if publication is None:
        return "already published today"
    if not publication.chain_ok:
        log.error("audit chain broken; see `manage.py verify_audit`")
    return f"{publication.day} #{publication.seq} {publication.hash} ok={publication.chain_ok}"
