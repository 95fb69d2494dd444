"""The rules of 业主决策 that are not arithmetic: matter classes, who may convene, which units vote, the notice period,
choice encoding, and the description of the rule settings a result was computed with (domain-rules §1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Q

from pmip.core.errors import ValidationFailed
from pmip.decisions.choices import Choice, ElectionRanking, MatterClass, MatterItem
from pmip.identity.models import AccountKind, ScopeLevel
from pmip.identity.scopes import roles_of
from pmip.registry.choices import UnitUse

# Art. 278 para 1: items 6 (raise the fund), 7 (alter/rebuild), 8 (change use of common parts) need 3/4.
MAJOR_ITEMS = frozenset({MatterItem.RAISE_FUNDS, MatterItem.REBUILD, MatterItem.CHANGE_USE})
PARKING_STORAGE_USES = frozenset({UnitUse.PARKING, UnitUse.STORAGE})
RESULTS_DUE_DAYS = 3  # results are published within 3 days of the close
QUESTION_KEY = "matter"  # the key of a question's answer in Ballot.choices


def matter_class_for_item(item: int) -> str:
    """Art. 278 item (1–9) → "ordinary" / "major". Raises ValidationFailed for anything else."""
    if item not in MatterItem.values:
        raise ValidationFailed("事项类别须为民法典第二百七十八条第一款第1至9项之一。", field="item")
    return MatterClass.MAJOR if item in MAJOR_ITEMS else MatterClass.ORDINARY


def voting_uses(*, include_parking_storage: bool) -> list[str]:
    """Unit uses that carry voting weight: parking spaces and storerooms only when the setting says so."""
    return [u for u in UnitUse.values if include_parking_storage or u not in PARKING_STORAGE_USES]


def notice_deadline(
    *, voting_starts_at: dt.datetime, notice_days: int, rehearsal: bool = False, notice_minutes: int = 0
) -> dt.datetime:
    """The latest moment the notice may be published for voting to start at `voting_starts_at`. A rehearsal
    meeting (演练) counts its notice period in minutes (`notice_minutes`) instead of days."""
    if rehearsal:
        return voting_starts_at - dt.timedelta(minutes=notice_minutes)
    return voting_starts_at - dt.timedelta(days=notice_days)


def meeting_notice_deadline(meeting) -> dt.datetime:
    return notice_deadline(
        voting_starts_at=meeting.voting_starts_at,
        notice_days=meeting.notice_days,
        rehearsal=meeting.rehearsal,
        notice_minutes=meeting.notice_minutes,
    )


def notice_period_text(meeting) -> str:
    """ "15日", or "5分钟" for a rehearsal."""
    return f"{meeting.notice_minutes}分钟" if meeting.rehearsal else f"{meeting.notice_days}日"


# --- rehearsal meetings (演练) ----------------------------------------------------------------------------------
# A rehearsal lets conveners train and owners try voting without waiting two weeks: its notice period may be minutes,
# its title always carries REHEARSAL_MARK (so every page, export and message that names it says 演练), it never
# counts as an owners' decision (results are worded as an exercise, it is left out of the project's 电子投票
# figures and of statistics, and it cannot be the meeting a tender relies on).
REHEARSAL_MARK = "【演练】"
REHEARSAL_NOTE = "演练会议：仅供召集人练习和业主试用投票，结果不产生法律效力，不计入统计和公开数据。"
REHEARSAL_NOTICE_MINUTES = 5  # the default notice period of a rehearsal
REHEARSAL_NOTICE_MINUTES_MAX = 1440
REHEARSAL_CONCLUSIONS = {
    "passed": "演练结果：达到通过条件（演练，不产生法律效力）",
    "rejected": "演练结果：参与人数和面积已达三分之二，但同意票未达到通过条件（演练，不产生法律效力）",
    "no_decision": "演练结果：参与表决的人数或面积不足三分之二（演练，不产生法律效力）",
}
REHEARSAL_OUTCOME_LABELS = {
    "passed": "达到通过条件（演练）",
    "rejected": "未通过（演练）",
    "no_decision": "参与不足（演练）",
}


def marked_title(title: str, *, rehearsal: bool) -> str:
    """A rehearsal's title starts with 【演练】 (added once); any other meeting's title may not pretend to be one."""
    if rehearsal:
        return title if title.startswith(REHEARSAL_MARK) else REHEARSAL_MARK + title
    if REHEARSAL_MARK in title:
        raise ValidationFailed(f"只有演练会议的名称可以含“{REHEARSAL_MARK}”。", field="title")
    return title


def results_due_by(closed_at: dt.datetime) -> dt.datetime:
    return closed_at + dt.timedelta(days=RESULTS_DUE_DAYS)


# --- who convenes ----------------------------------------------------------------------------------------------

CONVENER_LEVELS = (ScopeLevel.COMMITTEE, ScopeLevel.SUBDISTRICT, ScopeLevel.CITY)


def _is_staff(actor) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.kind in (AccountKind.STAFF, AccountKind.OPERATOR)
    )


def convener_project_q(actor, *, prefix: str = "") -> Q | None:
    """Projects whose meetings the actor may run: the committee's own project (业委会/筹备组/换届小组), every project of
    a subdistrict office, or all (city). A Q over Project (or a model reaching it by `prefix`); None for nothing."""
    if not _is_staff(actor):
        return None
    q: Q | None = None
    for role in roles_of(actor):
        if role.level == ScopeLevel.CITY:
            return Q()
        if role.level == ScopeLevel.COMMITTEE:
            part = Q(**{f"{prefix}id": role.project_id})
        elif role.level == ScopeLevel.SUBDISTRICT:
            part = Q(**{f"{prefix}subdistrict_id": role.subdistrict_id})
        else:
            continue
        q = part if q is None else q | part
    return q


def supervisor_project_q(actor, *, prefix: str = "") -> Q | None:
    """Projects whose meetings the actor may read in the back office (turnout, results): conveners plus district
    housing bureaus. Property companies see nothing of votes."""
    q = convener_project_q(actor, prefix=prefix)
    if not _is_staff(actor):
        return q
    for role in roles_of(actor):
        if role.level == ScopeLevel.DISTRICT:
            part = Q(**{f"{prefix}district_id": role.district_id})
            q = part if q is None else q | part
    return q


def may_claim_convener_kind(actor, *, convener_kind: str) -> bool:
    """A committee-level account may convene as committee / preparatory / re-election group, not as a subdistrict
    office; subdistrict and city accounts may convene any kind (the office often runs the first assembly)."""
    levels = {r.level for r in roles_of(actor)}
    if convener_kind == "subdistrict":
        return bool(levels & {ScopeLevel.SUBDISTRICT, ScopeLevel.CITY})
    return True


# --- choices ---------------------------------------------------------------------------------------------------


def normalise_choices(*, matter, candidate_ids: list[int], answer) -> dict[str, str]:
    """An owner's answer → the stored form of Ballot.choices.

    A question takes one of "yes", "no", "abstain" → {"matter": "yes"}. An election takes a mapping of every
    candidate id to a choice → {"12": "yes", "13": "abstain"}; a missing or unknown candidate is refused, so a ballot
    always says something about every candidate. Raises ValidationFailed.
    """
    if not matter.is_election:
        if isinstance(answer, Mapping) or answer not in Choice.values:
            raise ValidationFailed(
                f"请对议题“{matter.title}”选择同意、反对或弃权。", field=f"matter_{matter.pk}"
            )
        return {QUESTION_KEY: str(answer)}
    if not isinstance(answer, Mapping):
        raise ValidationFailed(
            f"请对“{matter.title}”的每位候选人选择同意、反对或弃权。", field=f"matter_{matter.pk}"
        )
    try:
        given = {int(k): v for k, v in answer.items()}
    except (TypeError, ValueError):
        raise ValidationFailed("候选人无效。", field=f"matter_{matter.pk}") from None
    if set(given) != set(candidate_ids) or any(v not in Choice.values for v in given.values()):
        raise ValidationFailed(
            f"请对“{matter.title}”的每位候选人选择同意、反对或弃权。", field=f"matter_{matter.pk}"
        )
    return {str(cid): str(given[cid]) for cid in sorted(candidate_ids)}


def choice_for(choices: Mapping[str, str], candidate_id: int | None) -> str:
    """The choice a stored ballot gives to the question (candidate None) or to one candidate."""
    return choices[QUESTION_KEY if candidate_id is None else str(candidate_id)]


# --- the settings a result was computed with -------------------------------------------------------------------


def settings_used(meeting) -> list[dict]:
    """The rule settings of a meeting, as shown with every result (domain-rules: say which setting was applied)."""
    return [
        {
            "key": "notice_days",
            "label": "会议通知提前天数",
            "value": meeting.notice_days,
            "text": f"投票开始前至少{meeting.notice_days}日公告",
            "default": meeting.notice_days == 15,
        }
        if not meeting.rehearsal
        else {
            "key": "notice_minutes",
            "label": "会议通知提前时间（演练会议）",
            "value": meeting.notice_minutes,
            "text": f"演练会议：投票开始前至少{meeting.notice_minutes}分钟公告",
            "default": False,
        },
        {
            "key": "include_parking_storage",
            "label": "车位、储藏室是否计入",
            "value": meeting.include_parking_storage,
            "text": "计入投票权数" if meeting.include_parking_storage else "不计入投票权数",
            "default": meeting.include_parking_storage is False,
        },
        {
            "key": "non_voters_follow_majority",
            "label": "未投票业主是否视为同意多数（从众）",
            "value": meeting.non_voters_follow_majority,
            "text": "是（同时列出不适用从众时的结果）" if meeting.non_voters_follow_majority else "否",
            "default": meeting.non_voters_follow_majority is False,
        },
        {
            "key": "allow_ballot_change",
            "label": "截止前可否修改选票",
            "value": meeting.allow_ballot_change,
            "text": "可以修改，以最后一次为准" if meeting.allow_ballot_change else "投票后不可修改",
            "default": meeting.allow_ballot_change is False,
        },
        {
            "key": "election_ranking",
            "label": "选举超过应选人数时的排序",
            "value": meeting.election_ranking,
            "text": ElectionRanking(meeting.election_ranking).label,
            "default": meeting.election_ranking == ElectionRanking.OWNERS_THEN_AREA,
        },
    ]
