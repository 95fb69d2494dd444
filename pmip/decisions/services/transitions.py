"""A meeting's life: `publish_notice`, `cancel_meeting`, `open_voting`, `close_voting`, `publish_results`."""

from __future__ import annotations

from django.db import transaction

from pmip.core import background, clock
from pmip.core.errors import ValidationFailed
from pmip.decisions import notices
from pmip.decisions import roll as roll_mod
from pmip.decisions.choices import (
    MeetingState,
    PublicityKind,
)
from pmip.decisions.models import (
    Ballot,
    MatterCount,
    Meeting,
    RollEntry,
)
from pmip.decisions.rules import (
    meeting_notice_deadline,
    notice_period_text,
    voting_uses,
)
from pmip.decisions.selectors import CANCELLABLE, count_discrepancies, matter_results
from pmip.decisions.services.common import (
    REASON_MAX,
    CountMismatch,
    MeetingStateError,
    _clean_text,
    _convener_meeting,
    _record,
    _require_state,
    _system_or_convener_meeting,
)
from pmip.decisions.services.meetings import _settings_data
from pmip.identity.models import Account
from pmip.registry.models import Unit

# --- notice, opening, closing, publishing, cancelling ----------------------------------------------------------


def _schedule_transitions(meeting: Meeting) -> None:
    """After commit, ask the task backend to open and close the meeting on time (when it supports deferral); the
    periodic `advance_meetings` task catches anything missed."""
    from django.tasks import task_backends

    meeting_id, starts, ends = meeting.pk, meeting.voting_starts_at, meeting.voting_ends_at

    def enqueue():
        if not task_backends["default"].supports_defer:
            return
        # pmip.decisions.tasks imports the services: the tasks are named by path, not imported
        background.enqueue("pmip.decisions.tasks.open_meeting", meeting_id, run_after=starts)
        background.enqueue("pmip.decisions.tasks.close_meeting", meeting_id, run_after=ends)

    transaction.on_commit(enqueue)


def publish_notice(*, actor: Account, meeting_id: int) -> Meeting:
    """发布会议通知 (draft → noticed). Needs at least one matter, the meeting notice file, every matter's scope with
    units that vote, and the notice at least `notice_days` days (a rehearsal: `notice_minutes` minutes) before voting
    starts. Matters, schedule and
    settings are fixed from now on."""
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告。")
        matters = list(meeting.matters.prefetch_related("buildings", "candidates"))
        if not matters:
            raise ValidationFailed("请先添加表决事项。")
        if not meeting.files.filter(kind=PublicityKind.MEETING_NOTICE).exists():
            raise ValidationFailed("请先上传会议通知文件。")
        now = clock.now()
        deadline = meeting_notice_deadline(meeting)
        if now > deadline:
            raise ValidationFailed(
                f"{'演练' if meeting.rehearsal else ''}会议通知须在投票开始前至少{notice_period_text(meeting)}公告：本次投票开始时间为"
                f"{clock.local(meeting.voting_starts_at):%Y-%m-%d %H:%M}，最迟应于"
                f"{clock.local(deadline):%Y-%m-%d %H:%M}公告。请推迟投票开始时间。",
                field="voting_starts_at",
            )
        uses = voting_uses(include_parking_storage=meeting.include_parking_storage)
        for matter in matters:
            units = Unit.objects.filter(project_id=meeting.project_id, use__in=uses)
            scope = roll_mod.matter_building_ids(matter)
            if scope is not None:
                units = units.filter(building_id__in=scope)
            if not units.exists():
                raise ValidationFailed(f"议题“{matter.title}”的表决范围内没有计入投票权数的房屋。")
            if matter.is_election and len(matter.candidates.all()) < (matter.seats or 0):
                raise ValidationFailed(f"议题“{matter.title}”的候选人人数少于应选人数。")
        meeting.state = MeetingState.NOTICED
        meeting.notice_published_at = now
        meeting.save(update_fields=["state", "notice_published_at"])
        _record(
            actor,
            "decisions.meeting.notice_published",
            meeting,
            data={"matters": [m.pk for m in matters], **_settings_data(meeting)},
        )
        notices.notice_published(meeting)
        _schedule_transitions(meeting)
    return meeting


def cancel_meeting(*, actor: Account, meeting_id: int, reason: str) -> Meeting:
    """Cancel a meeting that has not closed (draft, noticed or open). Ballots already cast are kept, not counted."""
    reason = _clean_text(reason, label="取消原因", field="reason", max_length=REASON_MAX)
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(meeting, *CANCELLABLE, message="投票已截止的会议不能取消。")
        previous = meeting.state
        meeting.state = MeetingState.CANCELLED
        meeting.cancelled_at = clock.now()
        meeting.cancel_reason = reason
        meeting.save(update_fields=["state", "cancelled_at", "cancel_reason"])
        _record(
            actor, "decisions.meeting.cancelled", meeting, data={"reason": reason, "previous_state": previous}
        )
    return meeting


def open_voting(*, actor: Account | None, meeting_id: int) -> Meeting:
    """开始投票 (noticed → open), at or after the scheduled start; actor None is the scheduled task.

    Freezes the voter roll (one RollEntry per unit in scope), stores its SHA-256 on the meeting and creates the count
    rows with the totals of each matter's scope (each candidate of an election has its own row)."""
    with transaction.atomic():
        meeting = _system_or_convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.NOTICED, message="只有已公告的会议可以开始投票。")
        now = clock.now()
        if now < meeting.voting_starts_at:
            raise MeetingStateError(
                f"尚未到投票开始时间（{clock.local(meeting.voting_starts_at):%Y-%m-%d %H:%M}）。"
            )
        matters = list(meeting.matters.prefetch_related("buildings", "candidates").order_by("order"))
        entries = roll_mod.build_roll(meeting, matters)
        if not entries:
            raise ValidationFailed("表决范围内没有计入投票权数的房屋，无法开始投票。")
        counts: list[MatterCount] = []
        for matter in matters:
            scoped = roll_mod.entries_in_matter_scope(entries, matter)
            if not scoped:
                raise ValidationFailed(f"议题“{matter.title}”的表决范围内没有房屋，无法开始投票。")
            total_area = sum(e.area for e in scoped)
            total_owners = len({e.owner_key for e in scoped})
            targets = list(matter.candidates.all()) if matter.is_election else [None]
            counts += [
                MatterCount(matter=matter, candidate=c, total_area=total_area, total_owners=total_owners)
                for c in targets
            ]
        RollEntry.objects.bulk_create(entries)
        MatterCount.objects.bulk_create(counts)
        meeting.roll_hash = roll_mod.roll_hash(meeting, entries)
        meeting.roll_frozen_at = now
        meeting.opened_at = now
        meeting.state = MeetingState.OPEN
        meeting.save(update_fields=["roll_hash", "roll_frozen_at", "opened_at", "state"])
        _record(
            actor,
            "decisions.meeting.opened",
            meeting,
            data={
                "roll_hash": meeting.roll_hash,
                "units": len(entries),
                "owners": len({e.owner_key for e in entries}),
                "eligible_units": sum(1 for e in entries if e.eligible),
            },
        )
        notices.voting_opened(meeting)
    return meeting


def close_voting(*, actor: Account | None, meeting_id: int) -> Meeting:
    """投票截止 (open → closed), at or after the scheduled end; actor None is the scheduled task.

    Taken under the meeting's row lock, so every ballot either committed before or is refused after. Then every
    matter is recounted from the ballots; a difference from the counters sets `count_mismatch` (publication blocked)."""
    with transaction.atomic():
        meeting = _system_or_convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.OPEN, message="只有投票中的会议可以截止。")
        now = clock.now()
        if now < meeting.voting_ends_at:
            raise MeetingStateError(
                f"尚未到投票截止时间（{clock.local(meeting.voting_ends_at):%Y-%m-%d %H:%M}）。"
            )
        meeting.state = MeetingState.CLOSED
        meeting.closed_at = now
        problems = count_discrepancies(meeting)
        meeting.count_mismatch = bool(problems)
        meeting.save(update_fields=["state", "closed_at", "count_mismatch"])
        _record(
            actor,
            "decisions.meeting.closed",
            meeting,
            data={
                "valid_ballots": Ballot.objects.filter(meeting=meeting, superseded_at__isnull=True).count(),
                "count_check": "mismatch" if problems else "ok",
                "problems": problems,
            },
        )
    return meeting


def publish_results(*, actor: Account, meeting_id: int) -> Meeting:
    """公布表决结果 (closed → published): a deliberate step by a convener. Refused (CountMismatch) when the recount
    from the ballots differs from the counters or the roll no longer matches its hash."""
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(
            meeting, MeetingState.CLOSED, message="只有投票已截止、尚未公布结果的会议可以公布结果。"
        )
        problems = count_discrepancies(meeting)
        if problems or meeting.count_mismatch:
            raise CountMismatch("复核计票结果与实时计数不一致，不能公布结果。请联系平台运维核查。")
        now = clock.now()
        meeting.state = MeetingState.PUBLISHED
        meeting.results_published_at = now
        meeting.save(update_fields=["state", "results_published_at"])
        outcomes = [
            {"matter": r.matter.pk, "candidate": r.candidate_id, "outcome": r.document["outcome"]}
            for r in matter_results(meeting)
        ]
        _record(actor, "decisions.meeting.results_published", meeting, data={"outcomes": outcomes})
        notices.results_published(meeting)
    return meeting
