"""Step 4: `bind_units` binds the ticked units of the kept result; `unbind_all` ends every active binding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import (
    ValidationFailed,
)
from pmip.identity.binding.common import (
    BINDING_PAGE,
    BindingExpired,
    FaceRequired,
    _id_number,
    _require_owner,
    house_label,
    open_pending,
)
from pmip.identity.binding.face import _passed_face
from pmip.identity.models import (
    Account,
    BindingStatus,
    HouseBinding,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.notifications.services import notify
from pmip.registry.models import TitleRecord, Unit

# --------------------------------------------------------------------------------------------------- step 4: bind


def _clean_unit_ids(unit_ids) -> list[int]:
    out: list[int] = []
    for value in unit_ids or []:
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("所选房屋不正确，请重新选择。", field="unit_ids") from exc
        if number not in out:
            out.append(number)
    if not out:
        raise ValidationFailed("请至少勾选一套要绑定的房屋。", field="unit_ids")
    return out


def _notify_bound(*, actor, units: list[Unit]) -> None:
    """identity.binding.approved through the notifications outbox, inside the binding's transaction."""
    labels = [house_label(u) for u in units]
    house = labels[0] if len(labels) == 1 else f"{labels[0]}等{len(labels)}套"
    notify(
        recipient=actor,
        kind="identity.binding.approved",
        title="业主身份绑定成功",
        body=f"您已成功绑定房屋：{'、'.join(labels)}。",
        link=BINDING_PAGE,
        data={"house": house},
    )


def bind_units(*, actor: Account, state: str, unit_ids) -> list[HouseBinding]:
    """提交绑定: bind the ticked units.

    Rules, all checked here: the units are a subset of the look-up result kept in the pending binding; a mainland
    binding started from the form needs this pending binding's own passed face verification (this account, this ID,
    started within FACE_VALID_SECONDS); each title is still current for this ID (re-read under lock); no unit is
    already bound to this account, or to another account of the same person. Saves the OwnerIdentity (created, or
    updated; a different ID resets its verification), the bindings, and — face passed — marks it 已人脸认证.
    Raises BindingExpired, ValidationFailed (unit_ids, unit_not_in_lookup, already_bound, title_changed,
    identity_conflict), FaceRequired. Writes identity.identity.saved, identity.binding.created (one per unit),
    identity.identity.verified (face) and sends identity.binding.approved. Returns the new bindings.
    """
    # Kept whole: the checks the docstring lists, then every write under the account's lock, in that order.
    _require_owner(actor)
    pending = open_pending(actor=actor, token=state)
    if pending.candidates is None:
        raise BindingExpired("请先查询可绑定的房屋。")
    wanted = _clean_unit_ids(unit_ids)
    rows = {row["unit_id"]: row for row in pending.candidates}
    if any(unit_id not in rows for unit_id in wanted):
        raise ValidationFailed(
            "所选房屋不在您的产权查询结果中，请重新查询。", code="unit_not_in_lookup", field="unit_ids"
        )
    face = None
    if pending.face_required:
        face = _passed_face(actor=actor, pending=pending)
        if face is None:
            raise FaceRequired()
    number = _id_number(pending)
    now = clock.now()
    with transaction.atomic(durable=True):
        account = Account.objects.select_for_update().get(pk=actor.pk)
        identity = OwnerIdentity.objects.select_for_update().filter(account=account).first()
        active = HouseBinding.objects.filter(account=account, status=BindingStatus.ACTIVE)
        created = identity is None
        if identity is None:
            identity = OwnerIdentity(account=account, created_at=now, agreement_accepted_at=now)
        if (identity.id_type, identity.id_number_hash) != (pending.id_type, pending.id_hash):
            if not created and active.exists():
                raise ValidationFailed(
                    "您的账户已以其他证件绑定了房屋。如需以新的证件绑定，请先解除所有绑定。",
                    code="identity_conflict",
                )
            identity.set_id_number(pending.id_type, number)
            identity.verification = VerificationMethod.NONE
            identity.verified_at = None
            identity.face_consent_at = None
        identity.holder_name = pending.holder_name
        identity.mobile = pending.mobile
        if pending.agreement_at:
            identity.agreement_accepted_at = dt.datetime.fromtimestamp(pending.agreement_at, tz=dt.UTC)
        if pending.face_consent_at:
            identity.face_consent_at = dt.datetime.fromtimestamp(pending.face_consent_at, tz=dt.UTC)
        verified_by = face if face is not None and identity.verification == VerificationMethod.NONE else None
        if verified_by is not None:
            identity.verification = VerificationMethod.FACE
            identity.verified_at = verified_by.verified_at or now
        identity.updated_at = now
        identity.save()
        record(
            actor=account,
            action="identity.identity.saved",
            obj=identity,
            data={"created": created, "id_type": identity.id_type, "id_masked": identity.id_number_masked},
        )
        if verified_by is not None:
            record(
                actor=account,
                action="identity.identity.verified",
                obj=identity,
                data={"method": "face", "face_verification_id": verified_by.pk, "purpose": "binding"},
            )

        units = list(
            Unit.objects.select_related("project", "building")
            .filter(pk__in=wanted)
            .order_by("project__code", "pk")
        )
        if len(units) != len(wanted):
            raise ValidationFailed(
                "所选房屋已不存在，请重新查询。", code="unit_not_in_lookup", field="unit_ids"
            )
        if active.filter(unit_id__in=wanted).exists():
            raise ValidationFailed("所选房屋中有已绑定到您账户的房屋，请重新选择。", code="already_bound")
        if (
            HouseBinding.objects.filter(
                unit_id__in=wanted,
                status=BindingStatus.ACTIVE,
                title_record__id_type=pending.id_type,
                title_record__id_number_hash=pending.id_hash,
            )
            .exclude(account=account)
            .exists()
        ):
            raise ValidationFailed(
                "所选房屋已通过您的另一个账户绑定，请先在该账户中解除绑定。", code="already_bound"
            )
        titles = {
            t.pk: t
            for t in TitleRecord.objects.select_for_update().filter(
                pk__in=[rows[u]["title_record_id"] for u in wanted if rows[u]["title_record_id"]]
            )
        }
        bindings: list[HouseBinding] = []
        for unit in units:
            row = rows[unit.pk]
            if row["title_record_id"]:
                title = titles.get(row["title_record_id"])
                if (
                    title is None
                    or title.unit_id != unit.pk
                    or title.ended_on is not None
                    or (title.id_type, title.id_number_hash) != (pending.id_type, pending.id_hash)
                ):
                    raise ValidationFailed(
                        f"{house_label(unit)}的产权信息已变更，请重新查询。", code="title_changed"
                    )
            else:
                # The outside registry knows this title but our copy does not yet: keep a copy to bind against.
                title = TitleRecord(
                    unit=unit,
                    holder_name=pending.holder_name,
                    share=Decimal(row["share"]),
                    certificate_no=row.get("certificate_no", "")[:60],
                )
                title.set_id_number(pending.id_type, number)
                title.save()
                record(
                    actor=account,
                    action="registry.title.copied",
                    obj=title,
                    project_id=unit.project_id,
                    data={
                        "unit_id": unit.pk,
                        "source": "title_registry",
                        "id_masked": title.id_number_masked,
                    },
                )
            binding = HouseBinding.objects.create(
                account=account, unit=unit, project=unit.project, title_record=title, bound_at=now
            )
            record(
                actor=account,
                action="identity.binding.created",
                obj=binding,
                data={
                    "unit_id": unit.pk,
                    "house": house_label(unit),
                    "title_record_id": title.pk,
                    "verification": identity.verification,
                    "mode": pending.mode,
                },
            )
            bindings.append(binding)
        if not account.display_name:
            account.display_name = pending.holder_name
            account.save(update_fields=["display_name"])
        _notify_bound(actor=account, units=units)
    return bindings


# --------------------------------------------------------------------------------------------------- unbind


def unbind_all(*, actor: Account, confirm: bool) -> int:
    """解除所有绑定, after the owner confirmed. Ends (never deletes) every active binding of this account.

    Raises ValidationFailed (`confirm` not given; nothing bound). Writes identity.binding.ended
    {reason: owner_unbound} per binding. Returns how many were ended.
    """
    _require_owner(actor)
    if not confirm:
        raise ValidationFailed("请确认是否解除所有绑定。", field="confirm", code="confirm_required")
    now = clock.now()
    with transaction.atomic(durable=True):
        Account.objects.select_for_update().get(pk=actor.pk)
        bindings = list(
            HouseBinding.objects.select_for_update()
            .filter(account=actor, status=BindingStatus.ACTIVE)
            .select_related("unit__building", "project")
        )
        if not bindings:
            raise ValidationFailed("您当前没有已绑定的房屋。", code="nothing_bound")
        for binding in bindings:
            _end(binding, actor=actor, reason="owner_unbound", now=now)
    return len(bindings)


def _end(binding: HouseBinding, *, actor, reason: str, now) -> None:
    binding.status = BindingStatus.ENDED
    binding.ended_at = now
    binding.end_reason = reason
    binding.save(update_fields=["status", "ended_at", "end_reason"])
    record(
        actor=actor,
        action="identity.binding.ended",
        obj=binding,
        data={"reason": reason, "unit_id": binding.unit_id, "account_id": binding.account_id},
    )
