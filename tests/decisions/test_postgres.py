"""Real concurrency on PostgreSQL: one ballot per owner under a stampede, nothing accepted after the close, exact
counts under concurrent casting.

SQLite has no row locks (SELECT … FOR UPDATE is a no-op there and writers are serialised), so these tests only mean
something on PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db>.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import DomainError
from pmip.decisions import services
from pmip.decisions.models import Ballot, MatterCount, Meeting
from pmip.decisions.selectors import count_discrepancies
from tests.decisions import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (SELECT … FOR UPDATE); SQLite serialises writers, so no real race happens",
    ),
]


def run_in_threads(targets, *, before_release=None) -> list:
    """Run the callables at once (a barrier), each on its own connection; returns 'ok' or the error code."""
    barrier = threading.Barrier(len(targets) + 1)
    results: list = [None] * len(targets)
    unexpected: list[BaseException] = []

    def run(i, target):
        try:
            barrier.wait()
            target()
            results[i] = "ok"
        except DomainError as exc:
            results[i] = exc.code
        except BaseException as exc:  # surfaced in the main thread
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    barrier.wait()
    if before_release is not None:
        before_release()
    for thread in threads:
        thread.join(timeout=60)
    assert unexpected == []
    return results


def cast(who, matter, unit, choice):
    return lambda: services.cast_ballot(
        actor=who.account, matter_id=matter.pk, unit_id=unit.pk, choice=choice
    )


def test_sixteen_threads_casting_for_the_same_owner_and_matter_make_one_ballot(
    transactional_db, project, convener
):
    a = f.person("张三")
    u1, u2 = f.unit(project, "1-101", "90.00"), f.unit(project, "2-101", "50.00")
    f.own(u1, a)
    f.own(u2, a)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    with clock.frozen(f.T_VOTE):
        outcomes = run_in_threads(
            [cast(a, matter, u1 if i % 2 else u2, "yes" if i % 3 else "no") for i in range(16)]
        )

    assert sorted(outcomes) == ["already_voted"] * 15 + ["ok"]
    assert Ballot.objects.count() == 1
    ballot = Ballot.objects.get()
    row = MatterCount.objects.get(matter=matter)
    side = ballot.choices["matter"]
    assert (getattr(row, f"{side}_owners"), getattr(row, f"{side}_area")) == (1, 14000)
    assert row.yes_owners + row.no_owners + row.abstain_owners == 1
    assert count_discrepancies(meeting) == []


def test_no_ballot_is_accepted_after_the_close(transactional_db, project, convener):
    people = [f.person(f"业主{i}") for i in range(8)]
    units = [f.unit(project, f"1-{101 + i}", "80.00") for i in range(8)]
    for p, u in zip(people, units, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    with clock.frozen(f.T_END - dt.timedelta(seconds=1)) as frozen, transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)  # the close holds the meeting row …

        def close_while_they_wait():
            time.sleep(0.5)  # … while every voter is already waiting for it
            frozen.advance(seconds=1)
            services.close_voting(actor=None, meeting_id=meeting.pk)

        outcomes_holder: list = []

        def voters():
            outcomes_holder.extend(
                run_in_threads([cast(p, matter, u, "yes") for p, u in zip(people, units, strict=True)])
            )

        waiter = threading.Thread(target=voters)
        waiter.start()
        close_while_they_wait()
    waiter.join(timeout=60)

    assert outcomes_holder == ["voting_not_open"] * 8
    meeting.refresh_from_db()
    assert (meeting.state, meeting.count_mismatch) == ("closed", False)
    assert Ballot.objects.count() == 0
    row = MatterCount.objects.get(matter=matter)
    assert (row.yes_owners, row.no_owners, row.abstain_owners) == (0, 0, 0)


def test_every_ballot_either_counts_before_the_close_or_is_refused(transactional_db, project, convener):
    people = [f.person(f"业主{i}") for i in range(12)]
    units = [f.unit(project, f"1-{101 + i}", "80.00") for i in range(12)]
    for p, u in zip(people, units, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()

    with clock.frozen(f.T_END - dt.timedelta(milliseconds=1)) as frozen:

        def close_midway():
            time.sleep(0.02)
            frozen.advance(milliseconds=1)
            services.close_voting(actor=None, meeting_id=meeting.pk)

        outcomes = run_in_threads(
            [cast(p, matter, u, "yes") for p, u in zip(people, units, strict=True)],
            before_release=close_midway,
        )

    accepted = outcomes.count("ok")
    assert outcomes.count("voting_not_open") == 12 - accepted
    meeting.refresh_from_db()
    assert meeting.state == "closed"
    assert Ballot.objects.count() == accepted
    assert all(b.cast_at < meeting.closed_at for b in Ballot.objects.all())
    assert MatterCount.objects.get(matter=matter).yes_owners == accepted
    assert count_discrepancies(meeting) == []


def test_counts_stay_exact_under_concurrent_casting_by_different_owners(transactional_db, project, convener):
    people = [f.person(f"业主{i}") for i in range(16)]
    units = [f.unit(project, f"{1 + i % 2}-{101 + i}", f"{80 + i}.{i:02d}") for i in range(16)]
    for p, u in zip(people, units, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question("一"), f.question("二", item=7)])
    one, two = meeting.matters.order_by("order")
    choices = ["yes", "no", "abstain"]

    def both(i):
        return lambda: services.cast_ballots(
            actor=people[i].account,
            meeting_id=meeting.pk,
            unit_id=units[i].pk,
            answers={one.pk: choices[i % 3], two.pk: choices[(i + 1) % 3]},
        )

    with clock.frozen(f.T_VOTE):
        outcomes = run_in_threads([both(i) for i in range(16)])

    assert outcomes == ["ok"] * 16
    for matter, shift in ((one, 0), (two, 1)):
        row = MatterCount.objects.get(matter=matter)
        for k, side in enumerate(choices):
            members = [i for i in range(16) if (i + shift) % 3 == k]
            expected_area = sum(8000 + 100 * i + i for i in members)
            assert (getattr(row, f"{side}_owners"), getattr(row, f"{side}_area")) == (
                len(members),
                expected_area,
            )
    assert sorted(Ballot.objects.values_list("sequence", flat=True)) == list(range(1, 33))
    meeting.refresh_from_db()
    assert meeting.ballot_sequence == 32
    assert count_discrepancies(meeting) == []


def test_many_owners_casting_while_the_meeting_closes_count_exactly_up_to_the_close(
    transactional_db, project, convener
):
    """Casts no longer exclude each other (they share the meeting row), but the close still excludes them all: every
    ballot is either in the close's recount or refused, and the stored ballots equal the counters."""
    n = 24
    people = [f.person(f"业主{i}") for i in range(n)]
    units = [f.unit(project, f"{1 + i % 3}-{101 + i}", f"{70 + i}.{i:02d}") for i in range(n)]
    for p, u in zip(people, units, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question("一"), f.question("二", item=7)])
    one, two = meeting.matters.order_by("order")
    choices = ["yes", "no", "abstain"]

    past_the_end = threading.Event()

    def both(i):
        def cast():
            if i < n // 2:
                time.sleep(0.04 * i)  # staggered: some commit before the close, some are in flight during it
            else:
                past_the_end.wait(timeout=30)  # these race the close itself
            services.cast_ballots(
                actor=people[i].account,
                meeting_id=meeting.pk,
                unit_id=units[i].pk,
                answers={one.pk: choices[i % 3], two.pk: choices[(i + 2) % 3]},
            )

        return cast

    with clock.frozen(f.T_END - dt.timedelta(milliseconds=1)) as frozen:

        def close_once_a_quarter_have_voted():
            deadline = time.monotonic() + 20
            while Ballot.objects.filter(meeting=meeting).count() < n // 2 and time.monotonic() < deadline:
                time.sleep(0.002)
            frozen.advance(milliseconds=1)
            past_the_end.set()
            services.close_voting(actor=None, meeting_id=meeting.pk)

        outcomes = run_in_threads([both(i) for i in range(n)], before_release=close_once_a_quarter_have_voted)

    accepted = [i for i, outcome in enumerate(outcomes) if outcome == "ok"]
    assert len(accepted) >= n // 4
    assert outcomes[n // 2 :] == ["voting_not_open"] * (n // 2)
    assert sorted(set(outcomes) - {"ok"}) in ([], ["voting_not_open"])
    meeting.refresh_from_db()
    assert (meeting.state, meeting.count_mismatch) == ("closed", False)
    ballots = list(Ballot.objects.filter(meeting=meeting))
    assert len(ballots) == 2 * len(accepted)
    assert all(b.cast_at < meeting.closed_at for b in ballots)
    closed = AuditEntry.objects.get(action="decisions.meeting.closed")
    assert (closed.data["valid_ballots"], closed.data["count_check"]) == (2 * len(accepted), "ok")
    for matter, shift in ((one, 0), (two, 2)):
        row = MatterCount.objects.get(matter=matter)
        for k, side in enumerate(choices):
            members = [i for i in accepted if (i + shift) % 3 == k]
            assert (getattr(row, f"{side}_owners"), getattr(row, f"{side}_area")) == (
                len(members),
                sum(7000 + 100 * i + i for i in members),
            )
    assert sorted(b.sequence for b in ballots) == list(range(1, 2 * len(accepted) + 1))
    assert meeting.ballot_sequence == 2 * len(accepted)
    assert count_discrepancies(meeting) == []


def test_owners_changing_their_ballots_at_once_keep_one_valid_ballot_each_and_exact_counts(
    transactional_db, project, convener
):
    """A meeting that allows changes: the owner's current ballot is read without a lock and locked only when there
    is one, so concurrent changes by the same owner must still leave one valid ballot and exact counters."""
    people = [f.person(f"业主{i}") for i in range(3)]
    units = [f.unit(project, f"1-{101 + i}", "80.00") for i in range(3)]
    for p, u in zip(people, units, strict=True):
        f.own(u, p)
    meeting = f.open_meeting(convener, project, [f.question()], allow_ballot_change=True)
    matter = meeting.matters.get()
    with clock.frozen(f.T_VOTE):
        for p, u in zip(people, units, strict=True):
            cast(p, matter, u, "abstain")()
        outcomes = run_in_threads(
            [
                cast(p, matter, u, ("yes", "no")[i % 2])
                for i in range(4)
                for p, u in zip(people, units, strict=True)
            ]
        )

    assert set(outcomes) <= {"ok", "already_voted"} and "ok" in outcomes
    assert Ballot.objects.filter(superseded_at__isnull=True).count() == 3
    row = MatterCount.objects.get(matter=matter)
    assert row.yes_owners + row.no_owners + row.abstain_owners == 3
    assert count_discrepancies(meeting) == []
