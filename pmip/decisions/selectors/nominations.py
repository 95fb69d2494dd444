"""推选投票人 / 查看投票人: co-owners (masked), their nominations, and the voter frozen in open meetings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.decisions import roll as roll_mod
from pmip.decisions.choices import MeetingState
from pmip.decisions.models import RollEntry, VoterNomination
from pmip.decisions.selectors.common import _authenticated, _masked_account_name
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import TitleRecord, Unit


@dataclass(frozen=True)
class CoOwner:
    holder_masked: str
    on_platform: bool  # has an active binding to the unit
    nominated_masked: str  # whom this co-owner nominated ("" if nobody)
    is_me: bool


@dataclass(frozen=True)
class NominationStatus:
    unit_id: int
    unit_label: str
    co_owned: bool
    co_owners: list[CoOwner]
    effective: bool
    effective_nominee_masked: str
    my_nominee_id: int | None
    candidates: list[tuple[int, str]]  # (account id, masked name) of co-owners bound to the unit
    frozen_voters: list[
        tuple[str, str]
    ]  # (meeting title, masked voter) for meetings whose roll is frozen and open
    explanation: str


def nomination_status(*, actor, unit_id: int) -> NominationStatus:
    """推选投票人 / 查看投票人 for a unit the actor is bound to: the co-owners (masked), whom each nominated, whether
    the nomination is effective (all named the same person) and the voter frozen in any open meeting."""
    if not _authenticated(actor):
        raise NotFound("未找到该房屋。")
    own = (
        HouseBinding.objects.select_related("unit__building")
        .filter(account=actor, unit_id=unit_id, status=BindingStatus.ACTIVE)
        .first()
    )
    if own is None:
        raise NotFound("未找到该房屋，或您尚未绑定该房屋。")
    return _nomination_statuses(actor=actor, units=[own.unit])[own.unit_id]


def nomination_statuses(*, actor, project_id: int) -> list[tuple[Unit, NominationStatus]]:
    """`nomination_status` of every unit the actor is bound to in the project (by building and room), read with
    the same few queries however many units there are."""
    if not _authenticated(actor):
        return []
    own = (
        HouseBinding.objects.select_related("unit__building")
        .filter(account=actor, project_id=project_id, status=BindingStatus.ACTIVE)
        .order_by(*display.unit_ordering("unit__"), "pk")
    )
    units = list({b.unit_id: b.unit for b in own}.values())
    statuses = _nomination_statuses(actor=actor, units=units)
    return [(unit, statuses[unit.pk]) for unit in units]


def _nomination_statuses(*, actor, units: list[Unit]) -> dict[int, NominationStatus]:
    """The nomination status of each unit: five queries for any number of units."""
    unit_ids = [u.pk for u in units]
    titles: dict[int, list[TitleRecord]] = defaultdict(list)
    for t in TitleRecord.objects.current().filter(unit_id__in=unit_ids).order_by("pk"):
        titles[t.unit_id].append(t)
    bindings: dict[int, list[HouseBinding]] = defaultdict(list)
    for b in (
        HouseBinding.objects.filter(
            unit_id__in=unit_ids, status=BindingStatus.ACTIVE, title_record__ended_on__isnull=True
        )
        .select_related("account__owner_identity")
        .order_by("bound_at", "pk")
    ):
        bindings[b.unit_id].append(b)
    nominations: dict[int, list[VoterNomination]] = defaultdict(list)
    for n in VoterNomination.objects.filter(unit_id__in=unit_ids, ended_at__isnull=True).select_related(
        "nominee__owner_identity"
    ):
        nominations[n.unit_id].append(n)
    frozen: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for e in (
        RollEntry.objects.filter(unit_id__in=unit_ids, meeting__state=MeetingState.OPEN)
        .select_related("meeting", "principal__owner_identity")
        .order_by("meeting_id")
    ):
        frozen[e.unit_id].append(
            (e.meeting.title, _masked_account_name(e.principal) if e.principal else "无（不能投票）")
        )
    return {
        u.pk: _nomination_status_of(actor, u, titles[u.pk], bindings[u.pk], nominations[u.pk], frozen[u.pk])
        for u in units
    }


def _nomination_status_of(
    actor,
    unit: Unit,
    titles: list[TitleRecord],
    bindings: list[HouseBinding],
    nominations: list[VoterNomination],
    frozen: list[tuple[str, str]],
) -> NominationStatus:
    state = roll_mod.nomination_state(
        titles=[(t.pk, t.id_type, t.id_number_hash) for t in titles],
        bindings=[(b.account_id, b.title_record_id) for b in bindings],
        nominations=[(n.nominator_id, n.nominee_id) for n in nominations],
    )
    co_owned = len(state.holders) > 1
    nominee_name = {n.nominee_id: _masked_account_name(n.nominee) for n in nominations}
    nominated_by = {n.nominator_id: n.nominee_id for n in nominations}
    accounts_of_title: dict[int, list[int]] = defaultdict(list)
    for b in bindings:
        accounts_of_title[b.title_record_id].append(b.account_id)
    co_owners = []
    for t in titles:
        accounts = accounts_of_title.get(t.pk, [])
        picked = next((nominated_by[a] for a in accounts if a in nominated_by), None)
        co_owners.append(
            CoOwner(
                holder_masked=t.holder_masked,
                on_platform=bool(accounts),
                nominated_masked=nominee_name.get(picked, "") if picked else "",
                is_me=actor.pk in accounts,
            )
        )
    effective = state.effective_nominee
    effective_name = ""
    if effective is not None:
        effective_name = next(_masked_account_name(b.account) for b in bindings if b.account_id == effective)
    if not co_owned:
        explanation = "该房屋只有一位产权人，由产权人本人投票，无需推选。"
    elif effective is not None:
        explanation = "全体共有人推选了同一人，推选已生效。"
    elif state.missing:
        explanation = "尚有共有人未推选投票人：需全体共有人推选同一人，推选才生效。"
    else:
        explanation = "共有人推选的不是同一人，推选未生效。"
    if frozen:
        explanation += "正在进行的投票以投票开始时的名册为准，在投票中变更推选人，下次业主大会才生效。"
    return NominationStatus(
        unit_id=unit.pk,
        unit_label=unit.label,
        co_owned=co_owned,
        co_owners=co_owners,
        effective=effective is not None,
        effective_nominee_masked=effective_name,
        my_nominee_id=nominated_by.get(actor.pk),
        candidates=[(b.account_id, _masked_account_name(b.account)) for b in bindings],
        frozen_voters=frozen,
        explanation=explanation,
    )
