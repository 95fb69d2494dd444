"""Step 1: `start_binding` checks the form and the SMS code and returns the sealed pending binding."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from pmip.audit.services import record
from pmip.core import crypto
from pmip.core.errors import (
    ValidationFailed,
)
from pmip.core.idnumbers import is_mainland
from pmip.core.masking import mask_id, mask_phone
from pmip.identity import otp
from pmip.identity.binding.common import (
    PendingBinding,
    _id_context,
    _require_owner,
    clean_holder_name,
    clean_id,
    clean_mobile,
    seal,
)
from pmip.identity.models import (
    Account,
    BindingStatus,
    HouseBinding,
    OwnerIdentity,
    SmsPurpose,
)

# --------------------------------------------------------------------------------------------------- step 1: form


@dataclass(frozen=True)
class BindingStart:
    state: str
    needs_face: bool


def start_binding(
    *,
    actor: Account,
    agreement_accepted_at,
    holder_name: str,
    id_type: str,
    id_number: str,
    mobile: str,
    sms_code: str,
) -> BindingStart:
    """业主身份绑定 form (manual ch. 1 (一) 3 / (二) 2). Validates every field, then the SMS code (last, so a typo
    elsewhere does not use up the code).

    Raises PermissionDenied (not an owner), ValidationFailed with `field` (agreement, holder_name, id_type,
    id_number, mobile, sms_code; `identity_conflict` when the account already has houses bound under another ID),
    the otp errors (field sms_code). Writes identity.binding.started (masked ID and mobile only).
    """
    # Kept whole: every field checked in the order of the form, the SMS code last, then one write.
    _require_owner(actor)
    if not agreement_accepted_at:
        raise ValidationFailed(
            "请先阅读并勾选“我已经阅读了《用户协议》”。", field="agreement", code="agreement"
        )
    name = clean_holder_name(holder_name)
    number = clean_id(id_type, id_number)
    phone = clean_mobile(mobile)
    id_hash = crypto.id_number_hash(id_type, number)
    identity = OwnerIdentity.objects.filter(account=actor).first()
    same_person = identity is not None and (identity.id_type, identity.id_number_hash) == (id_type, id_hash)
    if (
        identity is not None
        and not same_person
        and HouseBinding.objects.filter(account=actor, status=BindingStatus.ACTIVE).exists()
    ):
        raise ValidationFailed(
            "您的账户已以其他证件绑定了房屋。如需以新的证件绑定，请先解除所有绑定。",
            code="identity_conflict",
            field="id_number",
        )
    if not (sms_code or "").strip():
        raise ValidationFailed("请输入短信验证码。", field="sms_code")
    try:
        otp.verify_code(mobile=phone, purpose=SmsPurpose.BINDING, code=sms_code)
    except otp.SmsCodeError as exc:
        exc.field = "sms_code"
        raise
    needs_face = is_mainland(id_type) and not (same_person and identity is not None and identity.is_verified)
    state = PendingBinding(
        account_id=actor.pk,
        mode="new",
        holder_name=name,
        id_type=id_type,
        id_enc=crypto.encrypt(number, context=_id_context(actor.pk)),
        id_hash=id_hash,
        id_masked=mask_id(number),
        mobile=phone,
        agreement_at=agreement_accepted_at.timestamp(),
        face_required=needs_face,
    )
    with transaction.atomic(durable=True):
        record(
            actor=actor,
            action="identity.binding.started",
            obj=actor,
            data={
                "id_type": id_type,
                "id_masked": state.id_masked,
                "mobile": mask_phone(phone),
                "needs_face": needs_face,
            },
        )
    return BindingStart(state=seal(state), needs_face=needs_face)
