"""补充认证 (`start_supplementary_face`, `supplementary_face`) and 提交房屋信息 (`submit_house_info`)."""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, crypto
from pmip.core.errors import (
    NotFound,
    RateLimited,
    ValidationFailed,
)
from pmip.core.idnumbers import is_mainland
from pmip.core.text import clean_text
from pmip.identity.binding.common import (
    HOUSE_INFO_PENDING_MAX,
    STATE_TTL_SECONDS,
    BindingExpired,
    _identity_id_number,
    _require_owner,
    _state_context,
)
from pmip.identity.binding.face import _judge_face, _open_face, _query_face
from pmip.identity.models import (
    Account,
    FaceVerification,
    HouseInfoSubmission,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.integrations.faceid import FaceSession
from pmip.registry.models import Subdistrict

# --------------------------------------------------------------------------------------------------- 补充认证


def _supplementary_identity(actor) -> OwnerIdentity:
    identity = OwnerIdentity.objects.filter(account=actor).first()
    if identity is None:
        raise NotFound("您还没有绑定房屋，请先进行业主身份绑定。")
    if not is_mainland(identity.id_type):
        raise ValidationFailed(
            "非大陆居民身份证不能在线人脸认证，请联系业委会（筹备组）或街道办进行线下认证。",
            code="face_not_available",
        )
    if identity.is_verified:
        raise ValidationFailed("您已完成身份认证，无需再次认证。", code="already_verified")
    return identity


def start_supplementary_face(
    *, actor: Account, face_consent: bool, redirect_url: str
) -> tuple[str, FaceSession]:
    """+身份认证 (manual ch. 1 (三)): face verification for an identity bound without one (mainland ID).

    Raises NotFound (no identity), ValidationFailed (no consent, not mainland, already verified), RateLimited,
    provider errors. Writes identity.face.started. Returns a sealed state and the provider session.
    """
    _require_owner(actor)
    identity = _supplementary_identity(actor)
    if not face_consent:
        raise ValidationFailed("请阅读并勾选同意《人脸识别信息处理告知》。", field="face_consent")
    face, session = _open_face(
        actor=actor,
        purpose=FaceVerification.Purpose.SUPPLEMENTARY,
        redirect_url=redirect_url,
        name=identity.holder_name,
        number=_identity_id_number(identity),
        id_masked=identity.id_number_masked,
    )
    payload = {
        "account_id": actor.pk,
        "identity_id": identity.pk,
        "id_hash": identity.id_number_hash,
        "face_id": face.pk,
        "consent_at": clock.now().timestamp(),
        "issued_at": clock.now().timestamp(),
    }
    token = crypto.encrypt(json.dumps(payload), context=_state_context(actor.pk, "supplementary"))
    return token, session


def supplementary_face(*, actor: Account, state: str, callback_code: str = "") -> OwnerIdentity:
    """Back from the provider for 补充认证: a passed result marks the identity 已人脸认证.

    The face verification must be this account's, of purpose supplementary, started for this same identity and ID.
    Raises BindingExpired, the face errors of `complete_face`. Writes identity.face.completed and
    identity.identity.verified {method: face}.
    """
    _require_owner(actor)
    try:
        payload = json.loads(crypto.decrypt(state or "", context=_state_context(actor.pk, "supplementary")))
    except ValueError as exc:
        raise BindingExpired("认证信息已失效，请重新发起身份认证。") from exc
    if (
        payload.get("account_id") != actor.pk
        or clock.now().timestamp() - float(payload.get("issued_at", 0)) > STATE_TTL_SECONDS
    ):
        raise BindingExpired("认证信息已失效，请重新发起身份认证。")
    face = FaceVerification.objects.filter(
        pk=payload.get("face_id"), account=actor, purpose=FaceVerification.Purpose.SUPPLEMENTARY
    ).first()
    if face is None:
        raise BindingExpired("认证信息已失效，请重新发起身份认证。")
    _judge_face(_query_face(actor=actor, face=face), callback_code=callback_code)
    with transaction.atomic(durable=True):
        identity = OwnerIdentity.objects.select_for_update().filter(account=actor).first()
        if (
            identity is None
            or identity.pk != payload.get("identity_id")
            or identity.id_number_hash != payload.get("id_hash")
        ):
            raise BindingExpired("您的身份信息已变更，请重新发起身份认证。")
        if identity.verification == VerificationMethod.NONE:
            identity.verification = VerificationMethod.FACE
            identity.verified_at = face.verified_at or clock.now()
            identity.face_consent_at = dt.datetime.fromtimestamp(float(payload["consent_at"]), tz=dt.UTC)
            identity.updated_at = clock.now()
            identity.save(update_fields=["verification", "verified_at", "face_consent_at", "updated_at"])
            record(
                actor=actor,
                action="identity.identity.verified",
                obj=identity,
                data={"method": "face", "face_verification_id": face.pk, "purpose": "supplementary"},
            )
    return identity


# --------------------------------------------------------------------------------------------------- 提交房屋信息


def _text(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    return clean_text(
        value, field=field, label=label, max_length=max_length, required=required, collapse_spaces=True
    )


def submit_house_info(
    *,
    actor: Account,
    subdistrict_id: int | None,
    project_name: str,
    address: str,
    building_number: str,
    unit_number: str,
    certificate_no: str = "",
    note: str = "",
) -> HouseInfoSubmission:
    """ "未能找到您的房屋": the owner submits the house's information to the chosen subdistrict office's queue.

    Raises ValidationFailed (per field; unknown subdistrict), RateLimited (more than HOUSE_INFO_PENDING_MAX
    pending). Writes identity.house_info.submitted.
    """
    _require_owner(actor)
    subdistrict = Subdistrict.objects.filter(pk=subdistrict_id).first() if subdistrict_id else None
    if subdistrict is None:
        raise ValidationFailed("请选择房屋所在的街道。", field="subdistrict")
    values = {
        "project_name": _text(project_name, field="project_name", label="小区名称", max_length=100),
        "address": _text(address, field="address", label="小区地址", max_length=200),
        "building_number": _text(building_number, field="building_number", label="楼栋号", max_length=30),
        "unit_number": _text(unit_number, field="unit_number", label="房号", max_length=30),
        "certificate_no": _text(
            certificate_no, field="certificate_no", label="不动产权证书号", max_length=60, required=False
        ),
        "note": _text(note, field="note", label="补充说明", max_length=500, required=False),
    }
    with transaction.atomic(durable=True):
        Account.objects.select_for_update().get(pk=actor.pk)
        pending = HouseInfoSubmission.objects.filter(
            account=actor, status=HouseInfoSubmission.Status.PENDING
        ).count()
        if pending >= HOUSE_INFO_PENDING_MAX:
            raise RateLimited(
                f"您已有{pending}条待处理的房屋信息，请等待街道办处理后再提交。", code="house_info_limit"
            )
        submission = HouseInfoSubmission.objects.create(
            account=actor, subdistrict=subdistrict, submitted_at=clock.now(), **values
        )
        record(
            actor=actor,
            action="identity.house_info.submitted",
            obj=submission,
            data={"subdistrict_id": subdistrict.pk, "project_name": values["project_name"]},
        )
    return submission
