"""Step 2 (mainland ID only): `start_face`, `decline_face`, `complete_face` — only the provider's server answer counts."""

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
    FACE_VALID_SECONDS,
    UNSUPPORTED_FACE_CODES,
    BindingExpired,
    FaceDeviceUnsupported,
    FaceNotFinished,
    FaceNotPassed,
    FaceRequired,
    PendingBinding,
    _id_number,
    _provider_name,
    _require_owner,
    _take_face_slot,
    open_pending,
    seal,
)
from pmip.identity.models import (
    Account,
    FaceVerification,
)
from pmip.integrations.faceid import FaceResult, FaceSession, get_face_verifier

# --------------------------------------------------------------------------------------------------- step 2: face


def _open_face(*, actor, purpose: str, redirect_url: str, name: str, number: str, id_masked: str) -> tuple:
    _take_face_slot(actor.pk)
    verifier = get_face_verifier()
    session = verifier.start(name, number, redirect_url)
    with transaction.atomic(durable=True):
        face = FaceVerification.objects.create(
            account=actor,
            provider=_provider_name(verifier),
            purpose=purpose,
            biz_token=session.token,
            started_at=clock.now(),
        )
        record(
            actor=actor,
            action="identity.face.started",
            obj=face,
            data={"purpose": purpose, "provider": face.provider, "id_masked": id_masked},
        )
    return face, session


def start_face(
    *, actor: Account, state: str, face_consent: bool, redirect_url: str
) -> tuple[str, FaceSession]:
    """人脸识别信息确认 → the provider's page. Needs the separate consent to face data (PIPL Art. 29).

    Raises BindingExpired, ValidationFailed (no consent, not a mainland ID), RateLimited (daily starts),
    FaceVerificationUnavailable / ValidationFailed from the provider. Writes identity.face.started.
    Returns the new pending state and the provider session (send the browser to `session.url`).
    """
    _require_owner(actor)
    pending = open_pending(actor=actor, token=state)
    if not pending.face_required:
        raise ValidationFailed("您的证件无需人脸识别，请直接查询房屋。", code="face_not_needed")
    if not face_consent:
        raise ValidationFailed("请阅读并勾选同意《人脸识别信息处理告知》。", field="face_consent")
    face, session = _open_face(
        actor=actor,
        purpose=FaceVerification.Purpose.BINDING,
        redirect_url=redirect_url,
        name=pending.holder_name,
        number=_id_number(pending),
        id_masked=pending.id_masked,
    )
    pending.face_id = face.pk
    pending.face_passed = False
    pending.face_consent_at = clock.now().timestamp()
    pending.candidates = None
    pending.lookup_error = ""
    return seal(pending), session


def decline_face(*, actor: Account, state: str) -> str:
    """不同意人脸识别 (the non-face path must always exist): go on without it. The identity will stay 未认证 —
    it can bind, but not vote, until +身份认证 or offline verification. Writes identity.binding.face_declined."""
    _require_owner(actor)
    pending = open_pending(actor=actor, token=state)
    if not pending.face_required:
        raise ValidationFailed("您的证件无需人脸识别，请直接查询房屋。", code="face_not_needed")
    pending.face_required = False
    pending.face_id = None
    pending.face_passed = False
    pending.face_consent_at = None
    pending.candidates = None
    pending.lookup_error = ""
    with transaction.atomic(durable=True):
        record(
            actor=actor,
            action="identity.binding.face_declined",
            obj=actor,
            data={"id_type": pending.id_type, "id_masked": pending.id_masked},
        )
    return seal(pending)


def _query_face(*, actor, face: FaceVerification) -> FaceResult | None:
    """The provider's verdict for `face`, stored on the row (once). None while the owner has not finished."""
    if face.passed is not None:
        return FaceResult(
            transaction_id=face.transaction_id,
            completed=True,
            passed=bool(face.passed),
            score=face.score,
            verified_at=face.verified_at,
            error_code=face.error_code,
            error_message=face.error_message,
        )
    result = get_face_verifier().result(face.biz_token)
    if not result.completed:
        return None
    with transaction.atomic(durable=True):
        locked = FaceVerification.objects.select_for_update().get(pk=face.pk)
        if locked.passed is None:
            locked.transaction_id = (result.transaction_id or face.biz_token)[:128]
            locked.passed = bool(result.passed)
            locked.score = result.score.quantize(Decimal("0.01")) if result.score is not None else None
            locked.verified_at = result.verified_at or clock.now()
            locked.error_code = (result.error_code or "")[:40]
            locked.error_message = (result.error_message or "")[:200]
            locked.save(
                update_fields=[
                    "transaction_id",
                    "passed",
                    "score",
                    "verified_at",
                    "error_code",
                    "error_message",
                ]
            )
            record(
                actor=actor,
                action="identity.face.completed",
                obj=locked,
                data={
                    "purpose": locked.purpose,
                    "passed": locked.passed,
                    "score": str(locked.score) if locked.score is not None else None,
                    "error_code": locked.error_code,
                },
            )
        face.refresh_from_db()
    return result


def _judge_face(result: FaceResult | None, *, callback_code: str) -> None:
    """Raise the owner-facing error for anything but a pass."""
    if result is None:
        if (callback_code or "") in UNSUPPORTED_FACE_CODES:
            raise FaceDeviceUnsupported()
        raise FaceNotFinished()
    if result.error_code in UNSUPPORTED_FACE_CODES:
        raise FaceDeviceUnsupported()
    if not result.passed:
        reason = f"（{result.error_message}）" if result.error_message else ""
        raise FaceNotPassed(
            f"人脸识别未通过{reason}，请重新识别；如仍无法通过，可联系业委会（筹备组）或街道办进行线下认证。"
        )


def complete_face(*, actor: Account, state: str, callback_code: str = "") -> str:
    """Back from the provider: query the result server to server and judge it.

    `callback_code` is the `code` the browser brought back; it is never taken as a pass, only used to say
    "该设备不支持人脸识别！" when the provider has no result because the device could not start.
    Raises BindingExpired, FaceNotFinished, FaceNotPassed, FaceDeviceUnsupported, FaceSessionExpired,
    FaceVerificationUnavailable. Writes identity.face.completed. Returns the new pending state.
    """
    _require_owner(actor)
    pending = open_pending(actor=actor, token=state)
    if not pending.face_id:
        raise FaceRequired("请先进行人脸识别。")
    face = FaceVerification.objects.filter(
        pk=pending.face_id, account=actor, purpose=FaceVerification.Purpose.BINDING
    ).first()
    if face is None:
        raise BindingExpired()
    _judge_face(_query_face(actor=actor, face=face), callback_code=callback_code)
    pending.face_passed = True
    return seal(pending)


def _passed_face(*, actor, pending: PendingBinding) -> FaceVerification | None:
    """The passed face verification this pending binding started, of this account, recent enough."""
    if not pending.face_id:
        return None
    since = clock.now() - dt.timedelta(seconds=FACE_VALID_SECONDS)
    return FaceVerification.objects.filter(
        pk=pending.face_id,
        account=actor,
        purpose=FaceVerification.Purpose.BINDING,
        passed=True,
        started_at__gte=since,
    ).first()
