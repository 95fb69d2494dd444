"""Named leases in the database: one holder at a time across every node, taken over once the holder stops renewing.

Used by the scheduler (`manage.py periodic`): run one on every node if you like, only the lease holder enqueues;
when it dies, another takes over within `seconds`. `hold()` checks and extends the lease inside the caller's
transaction, so work done in that transaction (enqueueing the periodic tasks) is fenced: a holder whose lease was
taken over while it was paused cannot also enqueue.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.db import IntegrityError, transaction

from pmip.core import clock
from pmip.ops.models import Lease


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def hold(name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `holder`; False when another holder's lease is still running.
    Call inside a transaction to fence the work done in it; outside one it runs in its own."""
    now = clock.now()
    until = now + dt.timedelta(seconds=seconds)
    with transaction.atomic():
        lease = Lease.objects.select_for_update().filter(name=name).first()
        if lease is None:
            try:
                with transaction.atomic():
                    Lease.objects.create(
                        name=name, holder=holder, expires_at=until, acquired_at=now, renewed_at=now
                    )
            except IntegrityError:  # another node created it a moment ago
                return False
            return True
        if lease.holder != holder and lease.expires_at > now:
            return False
        if lease.holder != holder:
            lease.acquired_at = now
        lease.holder, lease.expires_at, lease.renewed_at = holder, until, now
        lease.save()
        return True


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).delete()


def current(name: str) -> Lease | None:
    return Lease.objects.filter(name=name).first()
