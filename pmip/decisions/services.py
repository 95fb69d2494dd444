"""Writes of 业主决策 (owners' decisions / e-voting). Every function is one transaction with its audit entry.

Meeting life: draft → noticed → open → closed → published (draft, noticed and open may be cancelled).

- Conveners act only on projects in their scope (`rules.convener_project_q`: the project's own committee role, a
  subdistrict role covering it, or city); any other meeting does not exist for them (NotFound).
- `publish_notice` needs at least one matter, the meeting notice file, and `notice_days` (default 15) full days before
  voting starts. From then on neither the matters nor the schedule nor the rule settings change.
- `open_voting` (convener or the scheduled task, at or after the scheduled start) freezes the voter roll (see
  `roll.py`), stores its SHA-256 and sets the totals of every count row. The roll never changes afterwards.
- `cast_ballots` / `cast_ballot`: the meeting row is share-locked (SELECT … FOR KEY SHARE: casts run side by side)
  and the state and the time are checked under it; the close and the cancel take FOR UPDATE, so they wait for every
  cast in flight and every later cast sees their state — no ballot is accepted after the close's recount. One valid
  ballot per (matter, owner key) — database constraint — covering all the owner's units in the matter's scope; final
  unless the meeting allows changes. A delegate casts for the principal (counted as the principal); a principal with
  a delegation in force may not vote. Lock order, the same for every writer: the owner's valid ballot rows, the
  matter's count rows (F() updates, matter by matter), and last the meeting row for the receipt sequence numbers
  (`UPDATE … RETURNING`, gapless and unique per meeting), held only for the inserts. The receipt is returned.
- Paper ballots (`enter_paper_ballot`) are entered twice by two different staff members; an equal second entry
  creates the ballot, a different one flags a mismatch. An online ballot wins over a paper one for the same owner.
- `close_voting` (at or after the scheduled end) recounts every matter from the ballots; a difference from the
  counters, or a roll that no longer matches its hash, blocks `publish_results` (CountMismatch).
- Audit data never contains a choice: only matter, sequence number, receipt and channel.

Audit actions: decisions.meeting.created / updated / notice_published / opened / closed / results_published /
cancelled, decisions.matter.added / updated / removed, decisions.file.uploaded, decisions.nomination.made,
decisions.ballot.cast, decisions.paper.entered / confirmed / mismatch / not_counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import notices, tokens
from pmip.decisions import roll as roll_mod
from pmip.decisions.choices import (
    BallotChannel,
    ConvenerKind,
    ElectionRanking,
    Ineligibility,
    MatterKind,
    MatterScope,
    MeetingState,
    MeetingType,
    OwnerKind,
    PaperEntryState,
    PublicityKind,
)
from pmip.decisions.models import (
    Ballot,
    Candidate,
    Matter,
    MatterCount,
    Meeting,
    PaperBallotEntry,
    PublicityFile,
    RollEntry,
    VoterNomination,
)
from pmip.decisions.rules import (
    choice_for,
    convener_project_q,
    matter_class_for_item,
    may_claim_convener_kind,
    normalise_choices,
    notice_deadline,
    voting_uses,
)
from pmip.decisions.selectors import count_discrepancies, matter_results
from pmip.delegation.selectors import acting_for, owner_may_vote
from pmip.delegation.services import record_as_delegate
from pmip.identity.models import Account, BindingStatus, HouseBinding
from pmip.registry.models import Building, Project, TitleRecord, Unit

TITLE_MAX = 200
REASON_MAX = 200
CANDIDATE_NAME_MAX = 60
_SNIFF_BYTES = 16


# --- errors ----------------------------------------------------------------------------------------------------


class MeetingStateError(ValidationFailed):
    code = "meeting_state"


class VotingNotOpen(ValidationFailed):
    code = "voting_not_open"


class AlreadyVoted(ValidationFailed):
    code = "already_voted"


class NotEligible(PermissionDenied):
    code = "not_eligible"


class CountMismatch(DomainError):
    """The recount from the ballots differs from the running counters (or the roll from its hash)."""

    code = "count_mismatch"
    status = 409


# --- access helpers --------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录。")


def _convener_meeting(actor, meeting_id: int, *, lock: bool = True) -> Meeting:
    """The meeting if the actor may run it (locked for update); any other meeting does not exist for them."""
    _require_actor(actor)
    q = convener_project_q(actor, prefix="project__")
    if q is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    qs = Meeting.objects.filter(q).select_related("project")
    if lock:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    return meeting


def _system_or_convener_meeting(actor, meeting_id: int) -> Meeting:
    """actor None = the scheduled task (the platform itself)."""
    if actor is None:
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None:
            raise NotFound("未找到该会议。")
        return meeting
    return _convener_meeting(actor, meeting_id)


def _require_state(meeting: Meeting, *states: str, message: str) -> None:
    if meeting.state not in states:
        raise MeetingStateError(message)


def _clean_text(value: str, *, label: str, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}。", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}不能超过{max_length}个字。", field=field)
    return text


def _aware(value, *, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationFailed(f"{label}格式不正确。", field=field)
    return value


def _record(actor, action: str, meeting: Meeting, *, obj=None, data: dict | None = None):
    return record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else meeting,
        project_id=meeting.project_id,
        data={"meeting": meeting.pk, **(data or {})},
        actor_label="" if actor is not None else "系统（定时任务）",
    )


# --- meetings --------------------------------------------------------------------------------------------------

_SETTING_FIELDS = (
    "notice_days",
    "include_parking_storage",
    "non_voters_follow_majority",
    "allow_ballot_change",
    "election_ranking",
)
_EDITABLE_FIELDS = (
    "title",
    "description",
    "meeting_type",
    "voting_starts_at",
    "voting_ends_at",
    *_SETTING_FIELDS,
)


def _validated_meeting_fields(values: Mapping[str, object]) -> dict:
    out: dict = {}
    if "title" in values:
        out["title"] = _clean_text(
            str(values["title"] or ""), label="会议名称", field="title", max_length=TITLE_MAX
        )
    if "description" in values:
        out["description"] = _clean_text(
            str(values["description"] or ""),
            label="会议说明",
            field="description",
            max_length=5000,
            required=False,
        )
    if "meeting_type" in values:
        if values["meeting_type"] not in MeetingType.values:
            raise ValidationFailed("会议类型不正确。", field="meeting_type")
        out["meeting_type"] = values["meeting_type"]
    for key, label in (("voting_starts_at", "投票开始时间"), ("voting_ends_at", "投票截止时间")):
        if key in values:
            out[key] = _aware(values[key], field=key, label=label)
    if "notice_days" in values:
        days = values["notice_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
            raise ValidationFailed("会议通知提前天数须为1至90之间的整数。", field="notice_days")
        out["notice_days"] = days
    for key in ("include_parking_storage", "non_voters_follow_majority", "allow_ballot_change"):
        if key in values:
            if not isinstance(values[key], bool):
                raise ValidationFailed("设置项须为是或否。", field=key)
            out[key] = values[key]
    if "election_ranking" in values:
        if values["election_ranking"] not in ElectionRanking.values:
            raise ValidationFailed("选举排序规则不正确。", field="election_ranking")
        out["election_ranking"] = values["election_ranking"]
    return out


def _check_period(starts: dt.datetime, ends: dt.datetime) -> None:
    if ends <= starts:
        raise ValidationFailed("投票截止时间必须晚于开始时间。", field="voting_ends_at")


def create_meeting(
    *,
    actor: Account,
    project_id: int,
    convener_kind: str,
    title: str,
    voting_starts_at: dt.datetime,
    voting_ends_at: dt.datetime,
    meeting_type: str = MeetingType.EXTRAORDINARY,
    description: str = "",
    notice_days: int = 15,
    include_parking_storage: bool = False,
    non_voters_follow_majority: bool = False,
    allow_ballot_change: bool = False,
    election_ranking: str = ElectionRanking.OWNERS_THEN_AREA,
) -> Meeting:
    """New meeting in draft. Raises NotFound (project not in the actor's scope), PermissionDenied (a committee
    account claiming to be the subdistrict office), ValidationFailed (fields)."""
    _require_actor(actor)
    q = convener_project_q(actor)
    project = Project.objects.filter(q).filter(pk=project_id).first() if q is not None else None
    if project is None:
        raise NotFound("未找到该物业项目，或不在您的管辖范围内。")
    if convener_kind not in ConvenerKind.values:
        raise ValidationFailed("召集人类型不正确。", field="convener_kind")
    if not may_claim_convener_kind(actor, convener_kind=convener_kind):
        raise PermissionDenied("只有街道办事处可以以街道办事处名义召集会议。")
    fields = _validated_meeting_fields(
        {
            "title": title,
            "description": description,
            "meeting_type": meeting_type,
            "voting_starts_at": voting_starts_at,
            "voting_ends_at": voting_ends_at,
            "notice_days": notice_days,
            "include_parking_storage": include_parking_storage,
            "non_voters_follow_majority": non_voters_follow_majority,
            "allow_ballot_change": allow_ballot_change,
            "election_ranking": election_ranking,
        }
    )
    _check_period(fields["voting_starts_at"], fields["voting_ends_at"])
    with transaction.atomic():
        meeting = Meeting.objects.create(
            project=project, convener_kind=convener_kind, convened_by=actor, **fields
        )
        _record(
            actor,
            "decisions.meeting.created",
            meeting,
            data={"title": meeting.title, "convener_kind": convener_kind, **_settings_data(meeting)},
        )
    return meeting


def _settings_data(meeting: Meeting) -> dict:
    return {
        "voting_starts_at": meeting.voting_starts_at.isoformat(),
        "voting_ends_at": meeting.voting_ends_at.isoformat(),
        **{key: getattr(meeting, key) for key in _SETTING_FIELDS},
    }


def update_meeting(*, actor: Account, meeting_id: int, changes: Mapping[str, object]) -> Meeting:
    """Change a draft's title, description, type, schedule or rule settings. After the notice nothing changes."""
    unknown = set(changes) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("不能修改这些字段：" + "、".join(sorted(unknown)))
    fields = _validated_meeting_fields(changes)
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告，会议内容和规则不能再修改。")
        for key, value in fields.items():
            setattr(meeting, key, value)
        _check_period(meeting.voting_starts_at, meeting.voting_ends_at)
        meeting.save()
        _record(
            actor,
            "decisions.meeting.updated",
            meeting,
            data={"fields": sorted(fields), **_settings_data(meeting)},
        )
    return meeting


# --- matters ---------------------------------------------------------------------------------------------------


def _clean_candidates(names: Iterable[str]) -> list[str]:
    cleaned = [
        _clean_text(n, label="候选人姓名", field="candidates", max_length=CANDIDATE_NAME_MAX) for n in names
    ]
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed("候选人姓名重复。", field="candidates")
    return cleaned


def _matter_fields(
    *, meeting: Meeting, title, description, item, kind, seats, scope, building_ids, candidates
) -> tuple[dict, list[Building], list[str]]:
    title = _clean_text(title, label="议题名称", field="title", max_length=TITLE_MAX)
    description = _clean_text(
        description, label="议题说明", field="description", max_length=10000, required=False
    )
    if isinstance(item, bool) or not isinstance(item, int):
        raise ValidationFailed("事项类别须为民法典第二百七十八条第一款第1至9项之一。", field="item")
    matter_class = matter_class_for_item(item)
    if kind not in MatterKind.values:
        raise ValidationFailed("议题类型不正确。", field="kind")
    names = _clean_candidates(candidates or [])
    if kind == MatterKind.ELECTION:
        if item != 3:
            raise ValidationFailed("选举议题属于第三项“选举业主委员会或者更换业主委员会成员”。", field="item")
        if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
            raise ValidationFailed("请填写应选人数（至少1人）。", field="seats")
        if len(names) < seats:
            raise ValidationFailed("候选人人数不能少于应选人数。", field="candidates")
    else:
        if seats is not None or names:
            raise ValidationFailed("表决事项没有候选人和应选人数。", field="kind")
    if scope not in MatterScope.values:
        raise ValidationFailed("表决范围不正确。", field="scope")
    buildings: list[Building] = []
    if scope == MatterScope.BUILDINGS:
        ids = set(building_ids or [])
        buildings = list(Building.objects.filter(project_id=meeting.project_id, pk__in=ids))
        if not ids or len(buildings) != len(ids):
            raise ValidationFailed("请选择本小区的楼栋作为表决范围。", field="building_ids")
    elif building_ids:
        raise ValidationFailed("全体业主表决的议题不需选择楼栋。", field="building_ids")
    fields = {
        "title": title,
        "description": description,
        "item": item,
        "matter_class": matter_class,
        "kind": kind,
        "seats": seats if kind == MatterKind.ELECTION else None,
        "scope": scope,
    }
    return fields, buildings, names


def _matter_data(matter: Matter, buildings: list[Building], names: list[str]) -> dict:
    return {
        "matter": matter.pk,
        "order": matter.order,
        "title": matter.title,
        "item": matter.item,
        "matter_class": matter.matter_class,
        "kind": matter.kind,
        "seats": matter.seats,
        "scope": matter.scope,
        "buildings": sorted(b.pk for b in buildings),
        "candidates": names,
    }


def add_matter(
    *,
    actor: Account,
    meeting_id: int,
    title: str,
    item: int,
    description: str = "",
    kind: str = MatterKind.QUESTION,
    seats: int | None = None,
    scope: str = MatterScope.PROJECT,
    building_ids: Iterable[int] = (),
    candidates: Iterable[str] = (),
) -> Matter:
    """Add a matter to a draft meeting (numbered after the last). Item 6, 7 and 8 make it a major matter; an election
    (item 3) has seats and candidates. Raises MeetingStateError after the notice, ValidationFailed."""
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(
            meeting,
            MeetingState.DRAFT,
            message="会议通知已公告，不能再增加议题（未列入通知的事项不得表决）。",
        )
        fields, buildings, names = _matter_fields(
            meeting=meeting,
            title=title,
            description=description,
            item=item,
            kind=kind,
            seats=seats,
            scope=scope,
            building_ids=list(building_ids),
            candidates=list(candidates),
        )
        order = (meeting.matters.aggregate(m=Max("order"))["m"] or 0) + 1
        matter = Matter.objects.create(meeting=meeting, order=order, **fields)
        matter.buildings.set(buildings)
        Candidate.objects.bulk_create(
            [Candidate(matter=matter, order=i, name=name) for i, name in enumerate(names, start=1)]
        )
        _record(
            actor, "decisions.matter.added", meeting, obj=matter, data=_matter_data(matter, buildings, names)
        )
    return matter


def update_matter(
    *,
    actor: Account,
    matter_id: int,
    title: str,
    item: int,
    description: str = "",
    kind: str = MatterKind.QUESTION,
    seats: int | None = None,
    scope: str = MatterScope.PROJECT,
    building_ids: Iterable[int] = (),
    candidates: Iterable[str] = (),
) -> Matter:
    """Replace a draft matter's content (all fields given again). Only before the notice."""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告，议题不能再修改。")
        matter = Matter.objects.get(pk=matter_id)
        fields, buildings, names = _matter_fields(
            meeting=meeting,
            title=title,
            description=description,
            item=item,
            kind=kind,
            seats=seats,
            scope=scope,
            building_ids=list(building_ids),
            candidates=list(candidates),
        )
        for key, value in fields.items():
            setattr(matter, key, value)
        matter.save()
        matter.buildings.set(buildings)
        matter.candidates.all().delete()  # a draft has no ballots or counts that could refer to them
        Candidate.objects.bulk_create(
            [Candidate(matter=matter, order=i, name=name) for i, name in enumerate(names, start=1)]
        )
        _record(
            actor,
            "decisions.matter.updated",
            meeting,
            obj=matter,
            data=_matter_data(matter, buildings, names),
        )
    return matter


def remove_matter(*, actor: Account, matter_id: int) -> None:
    """Remove a matter from a draft meeting; the others are renumbered 1, 2, 3 …"""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告，议题不能再删除。")
        matter = Matter.objects.get(pk=matter_id)
        data = {"matter": matter.pk, "order": matter.order, "title": matter.title}
        matter.candidates.all().delete()
        matter.buildings.clear()
        matter.delete()
        rest = list(meeting.matters.order_by("order", "pk"))
        for i, m in enumerate(rest, start=1):
            if m.order != i:
                Matter.objects.filter(pk=m.pk).update(order=i)
        _record(actor, "decisions.matter.removed", meeting, data=data)


# --- publicity files -------------------------------------------------------------------------------------------


def file_max_bytes() -> int:
    return int(getattr(settings, "PMIP_DECISIONS_FILE_MAX_BYTES", 20 * 1024 * 1024))


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def _sniff(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    return None


def publicity_file_path(f: PublicityFile) -> Path:
    """Absolute path of a stored file; refuses names that would leave PRIVATE_MEDIA_ROOT."""
    root = private_root().resolve()
    path = (root / f.stored_name).resolve()
    if root not in path.parents:
        raise NotFound("未找到该文件。")
    return path


def upload_publicity_file(
    *, actor: Account, meeting_id: int, kind: str, title: str, upload: UploadedFile
) -> PublicityFile:
    """Add a publicity file (PDF, JPG or PNG, sniffed from the content, at most PMIP_DECISIONS_FILE_MAX_BYTES).

    The meeting notice only while the meeting is a draft (it is published with the notice); other files until the
    meeting is closed or cancelled. Raises ValidationFailed, MeetingStateError."""
    if kind not in PublicityKind.values:
        raise ValidationFailed("文件类型不正确。", field="kind")
    title = _clean_text(title, label="文件名称", field="title", max_length=TITLE_MAX)
    limit = file_max_bytes()
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationFailed(f"文件过大：不能超过{limit // (1024 * 1024)}MB。", field="upload")
    if not data:
        raise ValidationFailed("文件是空的，请重新选择。", field="upload")
    sniffed = _sniff(data[:_SNIFF_BYTES])
    if sniffed is None:
        raise ValidationFailed("只能上传PDF文件或JPG、PNG图片。", field="upload")
    content_type, extension = sniffed
    original = os.path.basename((upload.name or "").replace("\\", "/")).strip() or f"file.{extension}"
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        if kind == PublicityKind.MEETING_NOTICE:
            _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告，不能更换。")
        else:
            _require_state(
                meeting,
                MeetingState.DRAFT,
                MeetingState.NOTICED,
                MeetingState.OPEN,
                message="会议已结束，不能再上传公示文件。",
            )
        now = clock.now()
        local = clock.local(now)
        relative = f"decisions/{local:%Y}/{local:%m}/{secrets.token_hex(16)}.{extension}"
        path = private_root() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)
        f = PublicityFile.objects.create(
            meeting=meeting,
            kind=kind,
            title=title,
            stored_name=relative,
            original_name=original[-200:],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        _record(
            actor,
            "decisions.file.uploaded",
            meeting,
            obj=f,
            data={"kind": kind, "title": title, "sha256": f.sha256},
        )
    return f


# --- notice, opening, closing, publishing, cancelling ----------------------------------------------------------


def _schedule_transitions(meeting: Meeting) -> None:
    """After commit, ask the task backend to open and close the meeting on time (when it supports deferral); the
    periodic `advance_meetings` task catches anything missed."""
    from django.tasks import task_backends

    from pmip.decisions import tasks

    meeting_id, starts, ends = meeting.pk, meeting.voting_starts_at, meeting.voting_ends_at

    def enqueue():
        if not task_backends["default"].supports_defer:
            return
        tasks.open_meeting.using(run_after=starts).enqueue(meeting_id)
        tasks.close_meeting.using(run_after=ends).enqueue(meeting_id)

    transaction.on_commit(enqueue)


def publish_notice(*, actor: Account, meeting_id: int) -> Meeting:
    """发布会议通知 (draft → noticed). Needs at least one matter, the meeting notice file, every matter's scope with
    units that vote, and the notice at least `notice_days` days before voting starts. Matters, schedule and
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
        deadline = notice_deadline(voting_starts_at=meeting.voting_starts_at, notice_days=meeting.notice_days)
        if now > deadline:
            raise ValidationFailed(
                f"会议通知须在投票开始前至少{meeting.notice_days}日公告：本次投票开始时间为"
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
        _require_state(
            meeting,
            MeetingState.DRAFT,
            MeetingState.NOTICED,
            MeetingState.OPEN,
            message="投票已截止的会议不能取消。",
        )
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


# --- voter nomination ------------------------------------------------------------------------------------------


def nominate_voter(*, actor: Account, unit_id: int, nominee_id: int) -> VoterNomination:
    """推选投票人: a co-owner (active binding to a co-owned unit) names one co-owner (also bound to the unit) as the
    unit's voter; it replaces the actor's earlier nomination for the unit. Effective when every current co-owner named
    the same person; a change made while a vote is open applies from the next meeting (the roll is frozen)."""
    _require_actor(actor)
    with transaction.atomic():
        binding = (
            HouseBinding.objects.select_related("unit", "title_record")
            .filter(
                account=actor,
                unit_id=unit_id,
                status=BindingStatus.ACTIVE,
                title_record__ended_on__isnull=True,
            )
            .first()
        )
        if binding is None:
            raise NotFound("未找到该房屋，或您尚未绑定该房屋。")
        holders = set(
            TitleRecord.objects.current().filter(unit_id=unit_id).values_list("id_type", "id_number_hash")
        )
        if len(holders) < 2:
            raise ValidationFailed("该房屋只有一位产权人，无需推选投票人。")
        nominee_bound = HouseBinding.objects.filter(
            account_id=nominee_id,
            unit_id=unit_id,
            status=BindingStatus.ACTIVE,
            title_record__ended_on__isnull=True,
        ).exists()
        if not nominee_bound:
            raise ValidationFailed("只能推选已绑定本房屋的共有人作为投票人。", field="nominee")
        now = clock.now()
        previous = (
            VoterNomination.objects.select_for_update()
            .filter(unit_id=unit_id, nominator=actor, ended_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.ended_at = now
            previous.save(update_fields=["ended_at"])
        try:
            with transaction.atomic():
                nomination = VoterNomination.objects.create(
                    unit_id=unit_id,
                    project_id=binding.project_id,
                    nominator=actor,
                    title_record=binding.title_record,
                    nominee_id=nominee_id,
                    nominated_at=now,
                )
        except IntegrityError:
            raise ValidationFailed("您的推选正在处理中，请稍后重试。") from None
        record(
            actor=actor,
            action="decisions.nomination.made",
            obj=nomination,
            project_id=binding.project_id,
            data={
                "unit": unit_id,
                "nominee": nominee_id,
                "replaced": previous.pk if previous else None,
            },
        )
    return nomination


# --- ballots ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastResult:
    """What the voter gets back: the receipt (回执码) of each ballot."""

    matter_id: int
    sequence: int
    receipt: str
    replaced: bool


def receipt_code(
    *,
    meeting_id: int,
    matter_id: int,
    sequence: int,
    owner_token: str,
    choices: Mapping[str, str],
    channel: str,
    nonce: str,
) -> str:
    """SHA-256 over the canonical ballot. The random nonce keeps it from being reversed to the choice."""
    doc = {
        "v": 1,
        "meeting": meeting_id,
        "matter": matter_id,
        "sequence": sequence,
        "owner": owner_token,
        "choices": dict(choices),
        "channel": channel,
        "nonce": nonce,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _require_voting_open(meeting: Meeting) -> dt.datetime:
    """Checked under the meeting's row lock: the state and the clock at this very moment (returned: the time the
    ballot is admitted at, before the end)."""
    now = clock.now()
    if meeting.state == MeetingState.CANCELLED:
        raise VotingNotOpen("会议已取消。")
    if meeting.state in (MeetingState.DRAFT, MeetingState.NOTICED):
        raise VotingNotOpen("投票尚未开始。")
    if meeting.state != MeetingState.OPEN or now >= meeting.voting_ends_at:
        raise VotingNotOpen("投票已截止，不能再投票。")
    return now


def _apply_counts(matter: Matter, choices: Mapping[str, str], area: int, sign: int) -> None:
    """One F() UPDATE per count row of the matter (the question's row, or each candidate's in id order — the row
    locks are always taken in that order)."""
    targets = sorted(c.pk for c in matter.candidates.all()) if matter.is_election else [None]
    for candidate_id in targets:
        choice = choice_for(choices, candidate_id)
        rows = MatterCount.objects.filter(matter=matter)
        rows = (
            rows.filter(candidate__isnull=True)
            if candidate_id is None
            else rows.filter(candidate_id=candidate_id)
        )
        rows.update(
            **{
                f"{choice}_area": F(f"{choice}_area") + sign * area,
                f"{choice}_owners": F(f"{choice}_owners") + sign,
            }
        )


def _lock_meeting_for_casting(meeting_id: int) -> str:
    """FOR KEY SHARE on the meeting row; returns the meeting's state as of the lock. Casts do not block each other
    (nor the sequence bump, a non-key UPDATE), but `close_voting` / `cancel_meeting` (SELECT … FOR UPDATE) wait until
    every cast in flight has committed, and a cast arriving while they hold the row waits for them and then reads
    the state they committed. SQLite serialises writers (BEGIN IMMEDIATE), where a plain read is enough."""
    if connection.vendor == "postgresql":
        sql = "SELECT state FROM decisions_meeting WHERE id = %s FOR KEY SHARE"
    else:
        sql = "SELECT state FROM decisions_meeting WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting_id])
        return cursor.fetchone()[0]


def _allocate_sequences(meeting: Meeting, n: int) -> int:
    """Reserve `n` receipt sequence numbers of the meeting; returns the first. The UPDATE locks the meeting row
    against other casts until commit (gapless, unique), so it is taken last, after the count rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE decisions_meeting SET ballot_sequence = ballot_sequence + %s WHERE id = %s RETURNING ballot_sequence",
            [n, meeting.pk],
        )
        last = cursor.fetchone()[0]
    meeting.ballot_sequence = last
    return last - n + 1


@dataclass
class _PendingBallot:
    matter: Matter
    owner_token: str
    area: int
    choices: dict[str, str]
    channel: str
    by_delegate: bool
    paper_entry: PaperBallotEntry | None = None
    existing: Ballot | None = None


def _record_ballots(*, meeting: Meeting, pending: list[_PendingBallot], now: dt.datetime) -> list[Ballot]:
    """Write the ballots (one per matter, in matter order) and move the counters. Lock order, the same for every
    writer: the owner's valid ballots, the count rows matter by matter (F() updates, row locks until commit), and
    last the meeting row for the sequence numbers — so the per-meeting critical section is only the inserts."""
    for item in pending:
        matter = item.matter
        existing = (
            Ballot.objects.select_for_update()
            .filter(matter=matter, owner_token=item.owner_token, superseded_at__isnull=True)
            .first()
        )
        if existing is not None:
            if item.channel == BallotChannel.PAPER:
                raise AlreadyVoted("该业主已对本议题投票。")
            if existing.channel == BallotChannel.ONLINE and not meeting.allow_ballot_change:
                raise AlreadyVoted(f"您已对议题“{matter.title}”投票，投票后不能修改。")
        item.existing = existing
    for item in pending:
        if item.existing is not None:
            _apply_counts(item.matter, item.existing.choices, item.existing.area, -1)
            item.existing.superseded_at = now
            item.existing.save(update_fields=["superseded_at"])
        _apply_counts(item.matter, item.choices, item.area, +1)
    first = _allocate_sequences(meeting, len(pending))
    ballots: list[Ballot] = []
    for offset, item in enumerate(pending):
        nonce = secrets.token_hex(16)
        ballot = Ballot(
            meeting=meeting,
            matter=item.matter,
            owner_token=item.owner_token,
            area=item.area,
            choices=item.choices,
            channel=item.channel,
            by_delegate=item.by_delegate,
            paper_entry=item.paper_entry,
            sequence=first + offset,
            nonce=nonce,
            cast_at=now,
        )
        ballot.receipt = receipt_code(
            meeting_id=meeting.pk,
            matter_id=item.matter.pk,
            sequence=ballot.sequence,
            owner_token=item.owner_token,
            choices=item.choices,
            channel=item.channel,
            nonce=nonce,
        )
        try:
            with transaction.atomic():
                ballot.save()
        except IntegrityError:
            raise AlreadyVoted(f"您已对议题“{item.matter.title}”投票。") from None
        existing = item.existing
        if existing is not None:
            existing.superseded_by = ballot
            existing.save(update_fields=["superseded_by"])
            if existing.paper_entry_id is not None:
                PaperBallotEntry.objects.filter(pk=existing.paper_entry_id).update(
                    state=PaperEntryState.NOT_COUNTED
                )
        ballots.append(ballot)
    return ballots


def _authorise_voter(actor: Account, meeting: Meeting, entry: RollEntry):
    """-> (principal account, delegation or None). Unrelated accounts get NotFound (no hint about the roll)."""
    delegation = None
    if entry.principal_id is not None and entry.principal_id != actor.pk:
        delegation = next(
            (
                d
                for d in acting_for(account=actor, project=meeting.project)
                if d.owner_id == entry.principal_id
            ),
            None,
        )
    is_principal = entry.principal_id is not None and entry.principal_id == actor.pk
    bound_here = HouseBinding.objects.filter(
        account=actor, unit_id=entry.unit_id, status=BindingStatus.ACTIVE
    ).exists()
    if not (is_principal or delegation is not None or bound_here):
        raise NotFound("该房屋不在您可投票的范围内。")
    if not entry.eligible:
        reason = (
            Ineligibility(entry.ineligible_reason).label if entry.ineligible_reason else "不在投票人名册中"
        )
        raise NotEligible(f"本房屋不能参加本次网络投票：{reason}。投票人名册已在投票开始时确定。")
    if is_principal:
        if not owner_may_vote(account=actor, project=meeting.project):
            raise PermissionDenied("委托期内，您不能参与业主决策；如需自己投票，请先解除委托。")
        return actor, None
    if delegation is not None:
        return delegation.owner, delegation
    raise PermissionDenied("您不是本房屋在本次会议的投票人（共有房屋由共有人推选的投票人投票）。")


def cast_ballots(
    *, actor: Account, meeting_id: int, unit_id: int, answers: Mapping[int, object]
) -> list[CastResult]:
    """Vote on one or more matters of a meeting for the owner of `unit_id` (the owner's ballot covers all their units
    in each matter's scope). `answers` maps matter id → "yes" / "no" / "abstain", or for an election a mapping of
    every candidate id to one of those. All or nothing. Returns the receipts.

    Raises NotFound (not the actor's unit, unknown matter), NotEligible, PermissionDenied (delegation in force),
    VotingNotOpen (before the start, after the end or the close — checked under the lock), AlreadyVoted,
    ValidationFailed (answer)."""
    _require_actor(actor)
    try:
        answers = {int(k): v for k, v in answers.items()}
    except (TypeError, ValueError):
        raise NotFound("未找到该议题。") from None
    if not answers:
        raise ValidationFailed("请选择要表决的议题。")
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_related("project")
            .exclude(state=MeetingState.DRAFT)
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None:
            raise NotFound("未找到该会议。")
        _require_voting_open(
            meeting
        )  # fails fast without a lock (a late cast never holds up a waiting close)
        meeting.state = _lock_meeting_for_casting(meeting_id)
        admitted_at = _require_voting_open(
            meeting
        )  # again under the lock: the state a close or cancel committed
        entry = RollEntry.objects.filter(meeting=meeting, unit_id=unit_id).first()
        if entry is None:
            raise NotFound("该房屋不在本次会议的投票人名册中。")
        principal, delegation = _authorise_voter(actor, meeting, entry)
        matters = {
            m.pk: m
            for m in Matter.objects.filter(meeting=meeting, pk__in=list(answers)).prefetch_related(
                "buildings", "candidates"
            )
        }
        if set(matters) != set(answers):
            raise NotFound("未找到该议题。")
        key_entries = list(RollEntry.objects.filter(meeting=meeting, owner_key=entry.owner_key))
        token = tokens.token_of(meeting, entry.owner_key)
        pending: list[_PendingBallot] = []
        for matter_id in sorted(matters):
            matter = matters[matter_id]
            choices = normalise_choices(
                matter=matter,
                candidate_ids=[c.pk for c in matter.candidates.all()],
                answer=answers[matter_id],
            )
            scoped = roll_mod.entries_in_matter_scope(key_entries, matter)
            if not scoped:
                raise ValidationFailed(
                    f"您的房屋不在议题“{matter.title}”的表决范围内。", field=f"matter_{matter.pk}"
                )
            pending.append(
                _PendingBallot(
                    matter=matter,
                    owner_token=token,
                    area=sum(e.area for e in scoped),
                    choices=choices,
                    channel=BallotChannel.ONLINE,
                    by_delegate=delegation is not None,
                )
            )
        ballots = _record_ballots(meeting=meeting, pending=pending, now=admitted_at)
        results: list[CastResult] = []
        for item, ballot in zip(pending, ballots, strict=True):
            replaced = item.existing
            # Who cast, in which matter, when — never the ballot's id, sequence or receipt, which would join the
            # entry (and its actor) to the choice (docs/security.md, vote privacy).
            data = {
                "meeting": meeting.pk,
                "matter": item.matter.pk,
                "channel": ballot.channel,
                "replaced": replaced is not None,
            }
            if delegation is not None:
                record_as_delegate(
                    delegate=actor,
                    principal=principal,
                    project=meeting.project,
                    action="decisions.ballot.cast",
                    obj=item.matter,
                    data=data,
                )
            else:
                record(
                    actor=actor,
                    action="decisions.ballot.cast",
                    obj=item.matter,
                    project_id=meeting.project_id,
                    data=data,
                )
            results.append(CastResult(item.matter.pk, ballot.sequence, ballot.receipt, replaced is not None))
    return results


def cast_ballot(*, actor: Account, matter_id: int, unit_id: int, choice) -> CastResult:
    """Vote on one matter: see `cast_ballots`."""
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    return cast_ballots(actor=actor, meeting_id=meeting_id, unit_id=unit_id, answers={matter_id: choice})[0]


def enter_paper_ballot(
    *, actor: Account, matter_id: int, unit_id: int, choice, form_number: str = ""
) -> PaperBallotEntry:
    """录入书面表决票, by convener staff while voting is open. The first entry waits; a second entry by a different
    staff member with the same answer confirms it and counts the ballot (unless the owner voted online, which wins);
    a different answer marks the entry as a mismatch (to be entered again from the form).

    Any owner on the roll may vote on paper — the staff check the signed form, so binding and face verification are
    not needed (this is how the developer and owners not on the platform vote) — except a co-owned unit without an
    effective nomination, which cannot vote at all."""
    form_number = _clean_text(
        form_number, label="表决票编号", field="form_number", max_length=40, required=False
    )
    meeting_id = Matter.objects.filter(pk=matter_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("未找到该议题。")
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        _require_voting_open(meeting)
        matter = Matter.objects.prefetch_related("buildings", "candidates").get(pk=matter_id)
        entry = RollEntry.objects.filter(meeting=meeting, unit_id=unit_id).first()
        if entry is None:
            raise NotFound("该房屋不在本次会议的投票人名册中。")
        if entry.owner_kind == OwnerKind.CO_OWNED and entry.principal_id is None:
            raise NotEligible("共有房屋未有效推选投票人，不能投票。")
        choices = normalise_choices(
            matter=matter, candidate_ids=[c.pk for c in matter.candidates.all()], answer=choice
        )
        scoped = roll_mod.entries_in_matter_scope(
            RollEntry.objects.filter(meeting=meeting, owner_key=entry.owner_key), matter
        )
        if not scoped:
            raise ValidationFailed(f"该房屋不在议题“{matter.title}”的表决范围内。")
        now = clock.now()
        base = {"matter": matter.pk, "unit": entry.unit_label, "form_number": form_number}
        pending = (
            PaperBallotEntry.objects.select_for_update()
            .filter(matter=matter, owner_key=entry.owner_key, state=PaperEntryState.PENDING)
            .first()
        )
        if pending is None:
            if PaperBallotEntry.objects.filter(
                matter=matter, owner_key=entry.owner_key, state=PaperEntryState.CONFIRMED
            ).exists():
                raise AlreadyVoted("该业主本议题的书面表决票已录入并确认。")
            try:
                with transaction.atomic():
                    pending = PaperBallotEntry.objects.create(
                        meeting=meeting,
                        matter=matter,
                        unit_id=unit_id,
                        owner_key=entry.owner_key,
                        form_number=form_number,
                        first_choices=choices,
                        first_by=actor,
                        first_at=now,
                    )
            except IntegrityError:
                raise AlreadyVoted("该业主本议题的书面表决票已录入，请进行复核录入。") from None
            _record(actor, "decisions.paper.entered", meeting, obj=pending, data=base)
            return pending
        if pending.first_by_id == actor.pk:
            raise ValidationFailed("书面表决票须由另一名工作人员复核录入。")
        pending.second_choices = choices
        pending.second_by = actor
        pending.second_at = now
        if choices != pending.first_choices:
            pending.state = PaperEntryState.MISMATCH
            pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
            _record(actor, "decisions.paper.mismatch", meeting, obj=pending, data=base)
            return pending
        token = tokens.token_of(meeting, entry.owner_key)
        online = Ballot.objects.filter(
            matter=matter, owner_token=token, superseded_at__isnull=True, channel=BallotChannel.ONLINE
        ).exists()
        if online:
            pending.state = PaperEntryState.NOT_COUNTED
            pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
            _record(
                actor,
                "decisions.paper.not_counted",
                meeting,
                obj=pending,
                data={**base, "reason": "online_ballot"},
            )
            return pending
        pending.state = PaperEntryState.CONFIRMED
        pending.save(update_fields=["second_choices", "second_by", "second_at", "state"])
        (ballot,) = _record_ballots(
            meeting=meeting,
            pending=[
                _PendingBallot(
                    matter=matter,
                    owner_token=token,
                    area=sum(e.area for e in scoped),
                    choices=choices,
                    channel=BallotChannel.PAPER,
                    by_delegate=False,
                    paper_entry=pending,
                )
            ],
            now=now,
        )
        _record(
            actor,
            "decisions.paper.confirmed",
            meeting,
            obj=pending,
            data={**base, "sequence": ballot.sequence, "receipt": ballot.receipt},
        )
    return pending
