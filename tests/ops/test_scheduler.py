"""The scheduler's last-run times live in the database: a restart or a take-over by another node continues the
schedule (no nightly job again at once, none skipped); only the lease holder enqueues or moves the times."""

from __future__ import annotations

import datetime as dt

from pmip.core import clock
from pmip.ops import scheduler
from pmip.ops.models import Lease, PeriodicRun

T0 = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)


class Recorder:
    def __init__(self):
        self.calls: list[str] = []

    def schedule(self, broken: str = "") -> list[scheduler.Periodic]:
        def enqueuer(path: str):
            def enqueue():
                if path == broken:
                    raise RuntimeError("cannot enqueue")
                self.calls.append(path)

            return enqueue

        return [
            scheduler.Periodic(
                path="every_minute", every=dt.timedelta(minutes=1), enqueue=enqueuer("every_minute")
            ),
            scheduler.Periodic(path="nightly", every=dt.timedelta(days=1), enqueue=enqueuer("nightly")),
        ]


def _tick(schedule, holder="node-a:1", **kw):
    return scheduler.tick(schedule, holder=holder, lease_seconds=30, **kw)


def test_due_tasks_are_enqueued_once_and_their_times_kept(db):
    rec = Recorder()
    with clock.frozen(T0) as frozen:
        result = _tick(rec.schedule())
        assert result.holds and result.enqueued == ["every_minute", "nightly"]
        assert result.next_due == T0 + dt.timedelta(minutes=1)
        assert dict(PeriodicRun.objects.values_list("task", "last_enqueued_at")) == {
            "every_minute": T0,
            "nightly": T0,
        }
        frozen.advance(seconds=30)
        assert _tick(rec.schedule()).enqueued == []
        frozen.advance(seconds=30)
        assert _tick(rec.schedule()).enqueued == ["every_minute"]
    assert rec.calls == ["every_minute", "nightly", "every_minute"]


def test_a_restarted_scheduler_does_not_run_the_nightly_job_again(db):
    with clock.frozen(T0) as frozen:
        _tick(Recorder().schedule())  # the first process
        frozen.advance(hours=3)
        restarted = Recorder()  # a new process: nothing in memory
        assert _tick(restarted.schedule()).enqueued == ["every_minute"]
        frozen.advance(hours=21)
        assert _tick(restarted.schedule()).enqueued == ["every_minute", "nightly"]


def test_another_node_taking_over_continues_the_schedule(db):
    with clock.frozen(T0) as frozen:
        _tick(Recorder().schedule(), holder="node-a:1")
        frozen.advance(seconds=10)
        b = Recorder()
        standby = _tick(b.schedule(), holder="node-b:2")
        assert not standby.holds and standby.enqueued == [] and standby.next_due is None
        frozen.advance(seconds=50)  # node a stopped renewing: its lease ran out
        result = _tick(b.schedule(), holder="node-b:2")
        assert result.holds and result.enqueued == ["every_minute"]
        assert Lease.objects.get(name=scheduler.LEASE).holder == "node-b:2"
        assert b.calls == ["every_minute"]


def test_a_task_missed_while_no_scheduler_ran_is_due_at_once(db):
    rec = Recorder()
    with clock.frozen(T0) as frozen:
        _tick(rec.schedule())
        frozen.advance(days=3)  # every scheduler was down for three days
        assert _tick(rec.schedule()).enqueued == ["every_minute", "nightly"]


def test_force_enqueues_everything_and_a_broken_task_does_not_stop_the_others(db):
    rec = Recorder()
    with clock.frozen(T0):
        _tick(rec.schedule())
        result = _tick(rec.schedule(broken="every_minute"), force=True)
    assert result.enqueued == ["nightly"]
    assert rec.calls == ["every_minute", "nightly", "nightly"]
