"""The matters of a draft meeting: `add_matter`, `update_matter`, `remove_matter`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max

from pmip.core.errors import NotFound, ValidationFailed
from pmip.decisions.choices import (
    MatterKind,
    MatterScope,
    MeetingState,
)
from pmip.decisions.models import (
    Candidate,
    Matter,
    Meeting,
)
from pmip.decisions.rules import (
    matter_class_for_item,
)
from pmip.decisions.services.common import (
    CANDIDATE_NAME_MAX,
    TITLE_MAX,
    _clean_text,
    _convener_meeting,
    _record,
    _require_state,
)
from pmip.identity.models import Account
from pmip.registry.models import Building

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
