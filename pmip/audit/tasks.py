"""Background tasks of the audit log (run by `manage.py periodic`, settings.PMIP_PERIODIC_TASKS)."""

from __future__ import annotations

import logging

from django.tasks import task

from pmip.audit.publication import verify_and_publish

log = logging.getLogger(__name__)


@task
def verify_audit_chain() -> str:
    """Nightly: walk the chain and publish the day's head hash."""
    publication = verify_and_publish()
    if publication is None:
        return "already published today"
    if not publication.chain_ok:
        log.error("audit chain broken; see `manage.py verify_audit`")
    return f"{publication.day} #{publication.seq} {publication.hash} ok={publication.chain_ok}"
