"""Step 3: `lookup_units` asks the title registry (rate-limited per account); `describe_lookup` shows the kept result."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

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
from pmip.integrations.title_registry import (
    RegistryUnavailable,
    TitleHit,
    TitleRegistry,
    get_title_registry,
    reserved,
)
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


@dataclass(frozen=True)
class Resolved:
    hits: list[TitleHit]
    found: list[dict]  # units found here: unit_id, title_record_id, share, certificate_no
    missing: list[dict]  # units the registry named that are not here (no personal data)


def find_units(registry: TitleRegistry, *, name: str, id_type: str, id_number: str, id_hash: str) -> Resolved:
    """Ask the registry which current titles this name + ID holds and find their units here: the binding look-up
    proper (what `lookup_units` does between its admission and its audit entry; bench/binding.py measures this).
    With the embedded registry this is one statement: its hits carry the local unit and title record."""
    hits = registry.lookup(name, id_type, id_number)
    found, missing = _resolve(hits, id_type=id_type, id_hash=id_hash)
    return Resolved(hits=hits, found=found, missing=missing)


def _resolve(hits: list[TitleHit], *, id_type: str, id_hash: str) -> tuple[list[dict], list[dict]]:
    """Split hits into units found in the registry (with the local title record, if any) and missing ones."""
    if not hits:
        return [], []
    if all(hit.unit_id is not None for hit in hits):
        return _resolve_local(hits), []
    cond = Q()
    for hit in hits:
        cond |= Q(
            project__code=hit.project_code, building__number=hit.building_number, number=hit.unit_number
        )
    units = {
        (code, building, number): pk
        for pk, code, building, number in Unit.objects.filter(cond).values_list(
            "pk", "project__code", "building__number", "number"
        )
    }
    titles = dict(
        TitleRecord.objects.filter(
            unit__in=list(units.values()), id_type=id_type, id_number_hash=id_hash, ended_on__isnull=True
        )
        .order_by("id")
        .values_list("unit_id", "id")
    )  # the newest current title of each unit wins
    found, missing, seen = [], [], set()
    for hit in hits:
        unit_id = units.get((hit.project_code, hit.building_number, hit.unit_number))
        if unit_id is None:
            missing.append(
                {
                    "project_code": hit.project_code,
                    "building_number": hit.building_number,
                    "unit_number": hit.unit_number,
                    "certificate_no": hit.certificate_no,
                }
            )
            continue
        if unit_id in seen:
            continue
        seen.add(unit_id)
        found.append(
            {
                "unit_id": unit_id,
                "title_record_id": titles.get(unit_id),
                "share": str(hit.share),
                "certificate_no": hit.certificate_no,
            }
        )
    return found, missing


def _resolve_local(hits: list[TitleHit]) -> list[dict]:
    """Hits of the platform's own title records (the embedded registry) name their unit and title record: no query.
    One row per unit, in the registry's order, with the newest of its current titles (as `_resolve` picks)."""
    rows: dict[int, dict] = {}
    for hit in hits:
        row = rows.get(hit.unit_id)  # type: ignore[arg-type]
        if row is None:
            rows[hit.unit_id] = {  # type: ignore[index]
                "unit_id": hit.unit_id,
                "title_record_id": hit.title_record_id,
                "share": str(hit.share),
                "certificate_no": hit.certificate_no,
            }
        elif (hit.title_record_id or 0) > (row["title_record_id"] or 0):
            row["title_record_id"] = hit.title_record_id
    return list(rows.values())


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
            resolved: Resolved | None = find_units(
                registry,
                name=pending.holder_name,
                id_type=pending.id_type,
                id_number=_id_number(pending),
                id_hash=pending.id_hash,
            )
        except RegistryUnavailable:
            resolved = None
    finally:
        guard.__exit__(None, None, None)
    outcome = "found"
    found: list[dict] = []
    missing: list[dict] = []
    error: TitleNotFound | HouseNotFound | RegistryBusy | None = None
    if resolved is None:
        outcome, error = "registry_unavailable", RegistryBusy()
    else:
        found, missing = resolved.found, resolved.missing
        if not resolved.hits:
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
    """The kept look-up result as the page shows it: one statement whatever the number of units (the fields a
    candidate shows, and whether this owner has the unit bound already), no model instances."""
    rows = pending.candidates or []
    units: dict[int, tuple] = {}
    if rows:
        bound = HouseBinding.objects.filter(
            account=actor, status=BindingStatus.ACTIVE, unit_id=OuterRef("pk")
        )
        units = {
            row[0]: row
            for row in Unit.objects.filter(pk__in=[r["unit_id"] for r in rows])
            .annotate(bound=Exists(bound))
            .values_list(
                "pk", "project__name", "project__code", "building__number", "number", "area", "bound"
            )
        }
    holder_masked = mask_name(pending.holder_name)
    candidates = []
    for row in rows:
        unit = units.get(row["unit_id"])
        if unit is None:
            continue
        unit_id, project_name, project_code, building_number, unit_number, area, already_bound = unit
        candidates.append(
            Candidate(
                unit_id=unit_id,
                project_name=project_name,
                project_code=project_code,
                building_number=building_number,
                unit_number=unit_number,
                area=area,
                holder_masked=holder_masked,
                share=Decimal(row["share"]),
                already_bound=already_bound,
            )
        )
    return LookupResult(
        candidates=candidates,
        missing=list(pending.missing),
        id_type=pending.id_type,
        id_masked=pending.id_masked,
        holder_masked=holder_masked,
        mode=pending.mode,
    )
