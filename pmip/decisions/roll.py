"""The voter roll (投票人名册): who counts, how much, and who votes — frozen when voting opens.

For every unit in the meeting's scope (the union of its matters' scopes; parking spaces and storerooms only when the
meeting's setting includes them) one RollEntry records:

- the area in hundredths of m² and where the figure came from (registered / surveyed / contract);
- the headcount key (SPC interpretation Art. 9): every developer-held or undelivered unit → the one key "developer";
  a unit whose current title records name one holder → that holder's key (ID type + blind-index hash), so a buyer of
  several units is one owner; a co-owned unit (several holders) → its own key; a unit without a title record → its
  own key;
- the principal: the account that votes for the key — the single holder's bound account, or for a co-owned unit the
  co-owner every co-owner nominated (推选投票人: effective only when all current co-owners named the same person);
- whether it may vote online (bound and verified: OwnerIdentity.verification is face or offline), and why not;
- the voter when frozen: the delegate if the principal's delegation was in force (then the principal may not vote).

The canonical form of the roll (sorted JSON) is hashed with SHA-256; the hash is stored on the meeting.

Delegations are read in bulk straight from `pmip.delegation.models.Delegation` (a delegation is in force while
its status is active — the same rule as `pmip.delegation.selectors.owner_may_vote`), to avoid one query per owner.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pmip.core.money import area_hundredths
from pmip.decisions.choices import Ineligibility, MatterScope, OwnerKind
from pmip.decisions.models import Matter, Meeting, RollEntry, VoterNomination
from pmip.decisions.rules import voting_uses
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.identity.models import BindingStatus, HouseBinding, VerificationMethod
from pmip.registry.models import TitleRecord, Unit

DEVELOPER_KEY = "developer"
ROLL_FORMAT_VERSION = 1


def holder_key(id_type: str, id_number_hash: str) -> str:
    return f"id:{id_type}:{id_number_hash}"


def unit_key(unit_id: int) -> str:
    return f"unit:{unit_id}"


# --- scope -----------------------------------------------------------------------------------------------------


def matter_building_ids(matter: Matter) -> set[int] | None:
    """Buildings a matter concerns; None for the whole project. Uses prefetched buildings when present."""
    if matter.scope == MatterScope.PROJECT:
        return None
    return {b.pk for b in matter.buildings.all()}


def meeting_building_ids(matters: Iterable[Matter]) -> set[int] | None:
    """Union of the matters' scopes; None when any matter concerns the whole project."""
    union: set[int] = set()
    for matter in matters:
        ids = matter_building_ids(matter)
        if ids is None:
            return None
        union |= ids
    return union


def in_scope(building_id: int, scope: set[int] | None) -> bool:
    return scope is None or building_id in scope


def scoped_units(meeting: Meeting, matters: Iterable[Matter]):
    """Units of the meeting's scope that carry voting weight, with their buildings."""
    qs = Unit.objects.filter(
        project_id=meeting.project_id,
        use__in=voting_uses(include_parking_storage=meeting.include_parking_storage),
    ).select_related("building")
    scope = meeting_building_ids(matters)
    if scope is not None:
        qs = qs.filter(building_id__in=scope)
    return qs.order_by("pk")


# --- nominations -----------------------------------------------------------------------------------------------


@dataclass
class NominationState:
    """Where a co-owned unit's nomination stands. `effective_nominee` is the account id when effective."""

    holders: list[tuple[str, str]]
    nominee_of_holder: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    bound_accounts: set[int] = field(default_factory=set)

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [h for h in self.holders if not self.nominee_of_holder.get(h)]

    @property
    def effective_nominee(self) -> int | None:
        if not self.holders or self.missing:
            return None
        named = set().union(*self.nominee_of_holder.values())
        if len(named) != 1:
            return None
        (nominee,) = named
        return nominee if nominee in self.bound_accounts else None


def nomination_state(
    *,
    titles: list[tuple[int, str, str]],
    bindings: list[tuple[int, int]],
    nominations: list[tuple[int, int]],
) -> NominationState:
    """titles: current (title id, id type, hash) of one unit; bindings: active (account id, title id) on the unit;
    nominations: in force (nominator id, nominee id). A nomination counts for the holder the nominator is bound as,
    and only while the nominator is still bound to the unit through a current title record."""
    holder_of_title = {tid: (t, h) for tid, t, h in titles}
    holders = sorted(set(holder_of_title.values()))
    holder_of_account: dict[int, tuple[str, str]] = {}
    for account_id, title_id in bindings:
        if title_id in holder_of_title:
            holder_of_account[account_id] = holder_of_title[title_id]
    state = NominationState(holders=holders, bound_accounts=set(holder_of_account))
    for nominator_id, nominee_id in nominations:
        holder = holder_of_account.get(nominator_id)
        if holder is not None:
            state.nominee_of_holder.setdefault(holder, set()).add(nominee_id)
    return state


# --- building the roll -----------------------------------------------------------------------------------------


@dataclass
class _Binding:
    account_id: int
    title_id: int
    bound_at: object
    verified: bool


def build_roll(meeting: Meeting, matters: list[Matter]) -> list[RollEntry]:
    """The roll of a meeting as unsaved RollEntry objects, ordered by unit id. A fixed number of queries."""
    units = list(scoped_units(meeting, matters))
    unit_ids = [u.pk for u in units]
    titles = _current_titles(unit_ids)
    bindings = _active_bindings(unit_ids)
    keyed = [(u, *_key_and_kind(u, titles[u.pk])) for u in units]
    co_owned_ids = [u.pk for u, _, kind in keyed if kind == OwnerKind.CO_OWNED]
    nominations: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for uid, nominator_id, nominee_id in VoterNomination.objects.filter(
        unit_id__in=co_owned_ids, ended_at__isnull=True
    ).values_list("unit_id", "nominator_id", "nominee_id"):
        nominations[uid].append((nominator_id, nominee_id))
    principal_of, reason_of = _principals(keyed, titles, bindings, nominations)
    verified_accounts: dict[int, bool] = {}
    for bs in bindings.values():
        for b in bs:
            verified_accounts[b.account_id] = b.verified
    principals = {p for p in principal_of.values() if p is not None}
    delegate_of: dict[int, int | None] = dict(
        Delegation.objects.filter(
            project_id=meeting.project_id, status=DelegationStatus.ACTIVE, owner_id__in=principals
        ).values_list("owner_id", "delegate_account_id")
    )
    entries: list[RollEntry] = []
    for unit, key, kind in keyed:
        principal = principal_of.get(key)
        eligible = principal is not None and verified_accounts.get(principal, False)
        if eligible:
            reason = ""
        elif principal is not None:
            reason = Ineligibility.NOT_VERIFIED
        else:
            reason = reason_of.get(key, Ineligibility.NOT_BOUND)
        delegated = eligible and principal in delegate_of
        voter = (delegate_of[principal] if delegated else principal) if eligible else None
        entries.append(
            RollEntry(
                meeting=meeting,
                unit=unit,
                building_id=unit.building_id,
                unit_label=unit.label,
                use=unit.use,
                area=area_hundredths(unit.area),
                area_source=unit.area_source,
                owner_key=key,
                owner_kind=kind,
                principal_id=principal,
                voter_id=voter,
                delegated=delegated,
                eligible=eligible,
                ineligible_reason=reason,
            )
        )
    return entries


def _current_titles(unit_ids: list[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Per unit, its current title records as (title id, id type, id number hash)."""
    titles: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for tid, uid, id_type, id_hash in (
        TitleRecord.objects.current()
        .filter(unit_id__in=unit_ids)
        .values_list("id", "unit_id", "id_type", "id_number_hash")
    ):
        titles[uid].append((tid, id_type, id_hash))
    return titles


def _active_bindings(unit_ids: list[int]) -> dict[int, list[_Binding]]:
    """Per unit, the active bindings to a current title, with whether the bound account is verified."""
    bindings: dict[int, list[_Binding]] = defaultdict(list)
    for uid, account_id, title_id, bound_at, verification in HouseBinding.objects.filter(
        unit_id__in=unit_ids, status=BindingStatus.ACTIVE, title_record__ended_on__isnull=True
    ).values_list(
        "unit_id", "account_id", "title_record_id", "bound_at", "account__owner_identity__verification"
    ):
        verified = verification is not None and verification != VerificationMethod.NONE
        bindings[uid].append(_Binding(account_id, title_id, bound_at, verified))
    return bindings


def _key_and_kind(unit: Unit, titles: list[tuple[int, str, str]]) -> tuple[str, str]:
    """The unit's owner key and owner kind: the developer, an unregistered unit, a co-owned unit (keyed by the
    unit) or a single holder (keyed by the holder, so one owner's units share a key)."""
    if unit.developer_held or not unit.delivered:
        return DEVELOPER_KEY, OwnerKind.DEVELOPER
    holders = {(t, h) for _, t, h in titles}
    if not holders:
        return unit_key(unit.pk), OwnerKind.UNREGISTERED
    if len(holders) > 1:
        return unit_key(unit.pk), OwnerKind.CO_OWNED
    ((id_type, id_hash),) = holders
    return holder_key(id_type, id_hash), OwnerKind.SINGLE


def _principals(
    keyed: list[tuple[Unit, str, str]],
    titles: dict[int, list[tuple[int, str, str]]],
    bindings: dict[int, list[_Binding]],
    nominations: dict[int, list[tuple[int, int]]],
) -> tuple[dict[str, int | None], dict[str, str]]:
    """The principal (the account that votes as the owner) per owner key, and the reason a key has none: a single
    holder's verified-first, earliest bound account; a co-owned unit's effective nominee."""
    principal_of: dict[str, int | None] = {}
    reason_of: dict[str, str] = {}
    single_candidates: dict[str, list[_Binding]] = defaultdict(list)
    for unit, key, kind in keyed:
        if kind == OwnerKind.SINGLE:
            own_titles = {tid for tid, _, _ in titles[unit.pk]}
            single_candidates[key] += [b for b in bindings[unit.pk] if b.title_id in own_titles]
        elif kind == OwnerKind.CO_OWNED:
            state = nomination_state(
                titles=titles[unit.pk],
                bindings=[(b.account_id, b.title_id) for b in bindings[unit.pk]],
                nominations=nominations[unit.pk],
            )
            principal_of[key] = state.effective_nominee
            reason_of[key] = Ineligibility.NO_NOMINATION
        elif kind == OwnerKind.DEVELOPER:
            principal_of[key] = None
            reason_of[key] = Ineligibility.DEVELOPER
        else:
            principal_of[key] = None
            reason_of[key] = Ineligibility.NO_TITLE
    for key, candidates in single_candidates.items():
        if not candidates:
            principal_of[key] = None
            reason_of[key] = Ineligibility.NOT_BOUND
            continue
        best = sorted(candidates, key=lambda b: (not b.verified, b.bound_at, b.account_id))[0]
        principal_of[key] = best.account_id
    return principal_of, reason_of


# --- canonical form and hash -----------------------------------------------------------------------------------


def canonical_roll(meeting: Meeting, entries: Iterable[RollEntry]) -> bytes:
    """Sorted, compact JSON of the roll (UTF-8): the bytes the roll hash is taken over."""
    rows = [
        {
            "unit": e.unit_id,
            "label": e.unit_label,
            "building": e.building_id,
            "use": e.use,
            "area": e.area,
            "area_source": e.area_source,
            "owner_key": e.owner_key,
            "owner_kind": e.owner_kind,
            "principal": e.principal_id,
            "voter": e.voter_id,
            "delegated": e.delegated,
            "eligible": e.eligible,
            "ineligible_reason": e.ineligible_reason,
        }
        for e in sorted(entries, key=lambda e: e.unit_id)
    ]
    doc = {
        "version": ROLL_FORMAT_VERSION,
        "meeting": meeting.pk,
        "project": meeting.project_id,
        "entries": rows,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def roll_hash(meeting: Meeting, entries: Iterable[RollEntry]) -> str:
    return hashlib.sha256(canonical_roll(meeting, entries)).hexdigest()


def stored_roll_hash(meeting: Meeting) -> str:
    """The hash recomputed from the stored roll rows (equals meeting.roll_hash unless the roll was tampered with)."""
    return roll_hash(meeting, RollEntry.objects.filter(meeting=meeting))


def entries_in_matter_scope(entries: Iterable[RollEntry], matter: Matter) -> list[RollEntry]:
    scope = matter_building_ids(matter)
    return [e for e in entries if in_scope(e.building_id, scope)]
