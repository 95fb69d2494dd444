"""Creating and editing a meeting in draft: `create_meeting`, `update_meeting`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.decisions.choices import (
    ConvenerKind,
    ElectionRanking,
    MeetingState,
    MeetingType,
)
from pmip.decisions.models import (
    Meeting,
)
from pmip.decisions.rules import (
    REHEARSAL_NOTICE_MINUTES,
    REHEARSAL_NOTICE_MINUTES_MAX,
    convener_project_q,
    marked_title,
    may_claim_convener_kind,
)
from pmip.decisions.services.common import (
    TITLE_MAX,
    _aware,
    _clean_text,
    _convener_meeting,
    _record,
    _require_actor,
    _require_state,
)
from pmip.identity.models import Account
from pmip.registry.models import Project

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
    "notice_minutes",
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
    if "notice_minutes" in values:
        minutes = values["notice_minutes"]
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or not 1 <= minutes <= REHEARSAL_NOTICE_MINUTES_MAX
        ):
            raise ValidationFailed(
                f"演练会议的通知提前时间须为1至{REHEARSAL_NOTICE_MINUTES_MAX}之间的整数（分钟）。",
                field="notice_minutes",
            )
        out["notice_minutes"] = minutes
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


# Over 60 lines only by its keyword signature (one parameter per rule setting); the body is the checks in order.
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
    rehearsal: bool = False,
    notice_minutes: int | None = None,
) -> Meeting:
    """New meeting in draft. Raises NotFound (project not in the actor's scope), PermissionDenied (a committee
    account claiming to be the subdistrict office), ValidationFailed (fields).

    `rehearsal=True` makes a rehearsal (演练): the notice period is `notice_minutes` minutes (default 5) instead of
    `notice_days` days, and the title is marked 【演练】 (pmip.decisions.rules). A meeting is a rehearsal or not from
    its creation on; that never changes."""
    # Kept whole: scope, convener and every field checked before the one write, in the order errors are shown.
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
    if not isinstance(rehearsal, bool):
        raise ValidationFailed("是否演练会议须为是或否。", field="rehearsal")
    if rehearsal:
        fields.update(
            _validated_meeting_fields(
                {"notice_minutes": REHEARSAL_NOTICE_MINUTES if notice_minutes is None else notice_minutes}
            )
        )
    elif notice_minutes:
        raise ValidationFailed("只有演练会议可以按分钟设置通知提前时间。", field="notice_minutes")
    fields["title"] = marked_title(fields["title"], rehearsal=rehearsal)
    _check_period(fields["voting_starts_at"], fields["voting_ends_at"])
    with transaction.atomic():
        meeting = Meeting.objects.create(
            project=project, convener_kind=convener_kind, convened_by=actor, rehearsal=rehearsal, **fields
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
        **({"rehearsal": True, "notice_minutes": meeting.notice_minutes} if meeting.rehearsal else {}),
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
        if "notice_minutes" in fields and not meeting.rehearsal:
            raise ValidationFailed("只有演练会议可以按分钟设置通知提前时间。", field="notice_minutes")
        if "title" in fields:
            fields["title"] = marked_title(fields["title"], rehearsal=meeting.rehearsal)
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
