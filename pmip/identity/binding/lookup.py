"""Step 3: `lookup_units` asks the title registry (rate-limited per account); `describe_lookup` shows the kept result."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import crypto
from pmip.core.idnumbers import is_mainland
from pmip.core.masking import mask_name
from pmip.identity.binding.common import (
    LOOKUPS_REFUSED,
    BindingExpired,
    FaceRequired,
    HouseNotFound,
    PendingBinding,
    RegistryBusy,
    TitleNotFound,
    _give_back_lookup_slot,
    _id_context,
    _id_number,
    _identity_id_number,
    _require_owner,
    _take_lookup_slot,
    open_pending,
    seal,
    take_lookup_ip_slot,
)
from pmip.identity.binding.face import _passed_face
from pmip.identity.models import (
    Account,
    BindingStatus,
    HouseBinding,
    OwnerIdentity,
)
from pmip.integrations.title_registry import RegistryUnavailable, TitleHit, get_title_registry, reserved
from pmip.registry.models import TitleRecord, Unit

# --------------------------------------------------------------------------------------------------- step 3: look-up


@dataclass(frozen=True)
class Candidate:
    """A unit the owner may bind: shown with masked holder, project, building/room, area."""

    unit_id: int
    project_name: str
    project_code: str
    building_number: str
    unit_number: str
    area: Decimal
    holder_masked: str
    share: Decimal
    already_bound: bool

    @property
    def label(self) -> str:
        return f"{self.building_number}栋{self.unit_number}"


@dataclass(frozen=True)
class LookupResult:
    candidates: list[Candidate]
    missing: list[dict[str, str]]
    id_type: str
    id_masked: str
    holder_masked: str
    mode: str

    @property
    def bindable(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.already_bound]


def _pending_from_identity(*, actor, identity: OwnerIdentity) -> PendingBinding:
    number = _identity_id_number(identity)
    return PendingBinding(
        account_id=actor.pk,
        mode="add",
        holder_name=identity.holder_name,
        id_type=identity.id_type,
        id_enc=crypto.encrypt(number, context=_id_context(actor.pk)),
        id_hash=identity.id_number_hash,
        id_masked=identity.id_number_masked,
        mobile=identity.mobile,
        agreement_at=identity.agreement_accepted_at.timestamp(),
        face_required=False,
    )


def _resolve(hits: list[TitleHit], *, id_type: str, id_hash: str) -> tuple[list[dict], list[dict]]:
    """Split hits into units found in the registry (with the local title record, if any) and missing ones."""
    if not hits:
        return [], []
    cond = Q()
    for hit in hits:
        cond |= Q(
            project__code=hit.project_code, building__number=hit.building_number, number=hit.unit_number
        )
    units = {
        (u.project.code, u.building.number, u.number): u
        for u in Unit.objects.filter(cond).select_related("project", "building")
    }
    titles = {
        t.unit_id: t
        for t in TitleRecord.objects.filter(
            unit__in=list(units.values()), id_type=id_type, id_number_hash=id_hash, ended_on__isnull=True
        ).order_by("id")
    }
    found, missing, seen = [], [], set()
    for hit in hits:
        unit = units.get((hit.project_code, hit.building_number, hit.unit_number))
        if unit is None:
            missing.append(
                {
                    "project_code": hit.project_code,
                    "building_number": hit.building_number,
                    "unit_number": hit.unit_number,
                    "certificate_no": hit.certificate_no,
                }
            )
            continue
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        title = titles.get(unit.pk)
        found.append(
            {
                "unit_id": unit.pk,
                "title_record_id": title.pk if title else None,
                "share": str(hit.share),
                "certificate_no": hit.certificate_no,
            }
        )
    return found, missing


def lookup_units(
    *, actor: Account, state: str | None, client_ip: str | None = None
) -> tuple[str, LookupResult]:
    """查询可绑定的房屋. With `state=None` this is 添加房屋绑定 for the identity already on file.

    Cheap admission first, before the identity is loaded or any ID decrypted: the per-IP limit
    (`PMIP_BINDING_LOOKUP_IP_LIMIT` per hour, when `client_ip` is given — the API checks it in
    pmip.identity.flood before the session is read), the per-account limit (`PMIP_BINDING_LOOKUP_LIMIT` per hour),
    then a slot of the title registry's concurrency guard, held until the registry answered. A look-up refused
    there has looked at nothing of the owner's: no identity read, no audit entry (it is counted in the metrics,
    `LOOKUPS_REFUSED`). Then it re-checks the face requirement (a passed verification of this account for this
    pending binding), asks the registry and keeps the result in the pending binding. Raises LookupIpRateLimited,
    LookupRateLimited, FaceRequired, BindingExpired, and RegistryBusy, TitleNotFound, HouseNotFound carrying the
    new state in `exc.state` so the interface can keep it (`None` for a busy 添加房屋绑定: nothing to keep).
    Writes identity.binding.looked_up for every look-up the registry was asked.
    """
    # Kept whole: the cheap refusals first, then the registry slot, then the identity work (the flood order).
    _require_owner(actor)
    # The pending binding given: decrypting only, no query.
    pending = None if state is None else open_pending(actor=actor, token=state)
    guarded = get_title_registry()
    if getattr(guarded, "saturated", lambda: False)():  # a free hint: refused before the limits are counted
        raise _busy(pending)
    if client_ip is not None:
        take_lookup_ip_slot(client_ip)
    _take_lookup_slot(actor.pk)
    guard = reserved(guarded)
    try:
        registry = guard.__enter__()
    except RegistryUnavailable:
        raise _busy(pending) from None
    try:
        try:
            pending = _admitted(actor=actor, pending=pending)
        except (BindingExpired, FaceRequired):
            _give_back_lookup_slot(actor.pk)
            raise
        try:
            hits = registry.lookup(pending.holder_name, pending.id_type, _id_number(pending))
        except RegistryUnavailable:
            hits = None
    finally:
        guard.__exit__(None, None, None)
    outcome = "found"
    found: list[dict] = []
    missing: list[dict] = []
    error: TitleNotFound | HouseNotFound | RegistryBusy | None = None
    if hits is None:
        outcome, error = "registry_unavailable", RegistryBusy()
    else:
        found, missing = _resolve(hits, id_type=pending.id_type, id_hash=pending.id_hash)
        if not hits:
            outcome, error = "title_not_found", TitleNotFound()
        elif not found:
            outcome, error = "house_not_found", HouseNotFound(missing=missing)
    with transaction.atomic(durable=True):
        record(
            actor=actor,
            action="identity.binding.looked_up",
            obj=actor,
            data={
                "id_type": pending.id_type,
                "id_masked": pending.id_masked,
                "outcome": outcome,
                "found": len(found),
                "missing": len(missing),
                "mode": pending.mode,
            },
        )
    pending.candidates = found if error is None else None
    pending.missing = missing
    pending.lookup_error = error.code if error is not None else ""
    token = seal(pending)
    if error is not None:
        error.state = token
        raise error
    return token, describe_lookup(actor=actor, pending=pending)


def _busy(pending: PendingBinding | None) -> RegistryBusy:
    """Every registry slot taken: refused before anything of the owner's was read. A pending binding given keeps
    the outcome (re-sealed, no query); 添加房屋绑定 has nothing to keep."""
    LOOKUPS_REFUSED.labels("registry_busy").inc()
    busy = RegistryBusy()
    if pending is not None:
        pending.candidates, pending.missing, pending.lookup_error = None, [], busy.code
        busy.state = seal(pending)
    return busy


def _admitted(*, actor: Account, pending: PendingBinding | None) -> PendingBinding:
    """The pending binding to look up: from the identity on file (添加房屋绑定) or the one given, whose face
    requirement is checked again. Raises BindingExpired, FaceRequired."""
    if pending is None:
        identity = OwnerIdentity.objects.filter(account=actor).first()
        if identity is None:
            raise BindingExpired("请先填写业主身份信息。")
        if is_mainland(identity.id_type) and not identity.is_verified:
            raise FaceRequired("请先点击“+身份认证”完成人脸识别，再添加房屋绑定。")
        return _pending_from_identity(actor=actor, identity=identity)
    if pending.face_required and _passed_face(actor=actor, pending=pending) is None:
        raise FaceRequired()
    return pending


def describe_lookup(*, actor, pending: PendingBinding) -> LookupResult:
    """The kept look-up result as the page shows it (2 queries, whatever the number of units)."""
    rows = pending.candidates or []
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=[r["unit_id"] for r in rows]).select_related(
            "project", "building"
        )
    }
    bound = set(
        HouseBinding.objects.filter(
            account=actor, status=BindingStatus.ACTIVE, unit_id__in=list(units)
        ).values_list("unit_id", flat=True)
    )
    candidates = [
        Candidate(
            unit_id=unit.pk,
            project_name=unit.project.name,
            project_code=unit.project.code,
            building_number=unit.building.number,
            unit_number=unit.number,
            area=unit.area,
            holder_masked=mask_name(pending.holder_name),
            share=Decimal(row["share"]),
            already_bound=unit.pk in bound,
        )
        for row in rows
        if (unit := units.get(row["unit_id"])) is not None
    ]
    return LookupResult(
        candidates=candidates,
        missing=list(pending.missing),
        id_type=pending.id_type,
        id_masked=pending.id_masked,
        holder_masked=mask_name(pending.holder_name),
        mode=pending.mode,
    )
