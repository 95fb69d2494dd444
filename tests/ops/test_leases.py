"""The scheduler's lease: one holder across nodes; taken over after expiry; `periodic --once` respects it."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test import override_settings

from pmip.core import clock
from pmip.ops import leases
from pmip.ops.models import Lease

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_one_holder_at_a_time(db):
    assert leases.hold("scheduler", "node-a:1", 30)
    assert not leases.hold("scheduler", "node-b:2", 30)
    assert leases.hold("scheduler", "node-a:1", 30)  # renewal
    assert leases.current("scheduler").holder == "node-a:1"


def test_expired_lease_is_taken_over(db):
    assert leases.hold("scheduler", "node-a:1", 30)
    Lease.objects.filter(name="scheduler").update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert leases.hold("scheduler", "node-b:2", 30)
    assert not leases.hold("scheduler", "node-a:1", 30)


def test_release(db):
    leases.hold("scheduler", "node-a:1", 30)
    leases.release("scheduler", "node-b:2")  # not the holder: nothing happens
    assert leases.current("scheduler") is not None
    leases.release("scheduler", "node-a:1")
    assert leases.current("scheduler") is None


@override_settings(TASKS=DUMMY)
def test_periodic_enqueues_only_while_holding_the_lease(db):
    from django.tasks import default_task_backend

    out = io.StringIO()
    call_command("periodic", "--once", stdout=out)
    assert "enqueued" in out.getvalue()
    enqueued = len(default_task_backend.results)
    assert enqueued >= 4
    Lease.objects.filter(name="scheduler").update(holder="elsewhere:1")  # another node's running lease
    out = io.StringIO()
    call_command("periodic", "--once", stdout=out)
    assert "another scheduler holds the lease" in out.getvalue()
    assert len(default_task_backend.results) == enqueued
