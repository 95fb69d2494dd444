"""House binding (业主身份绑定) and supplementary verification (补充认证), online path — owner manual ch. 1.

The steps, each a service (keyword-only, the acting owner first, atomic, audited):

1. `start_binding` — after the owner ticked 《用户协议》 and filled 业主姓名 / 证件类型 / 证件号码 / 手机号码 /
   短信验证码 (the captcha guards the SMS send in the interface). Checks every field and the SMS code (purpose
   `binding`) and returns a *pending binding*: an opaque token the interface keeps in the session.
2. Mainland ID only: `start_face` (separate consent to face data) opens a verification at the provider;
   `complete_face` asks the provider server to server how it ended. Only that answer counts, never what the
   browser brings back (the callback's own parameters may only explain a failure: "device unsupported").
3. `lookup_units` asks the title registry (`get_title_registry()`) which current titles this name + ID holds, and
   keeps the result in the pending binding. Rate-limited per account.
4. `bind_units` binds the units the owner ticked — only units from that kept result, only with a passed face
   verification of this account for this ID (mainland), re-checking that each title is still current.
5. `unbind_all` (with confirmation) ends every active binding; `lookup_units(state=None)` starts "添加房屋绑定"
   from the identity already on file.

The pending binding is sealed with AES-GCM (`pmip.core.crypto`) under a context naming the account, so it cannot be
read, altered or used by another account, and expires `STATE_TTL` after its last step. Inside, the ID number is
itself encrypted; sessions, logs, URLs and audit data never carry it in clear (audit data has the masked form).

Errors with the manual's own wording, each for its real cause:
- TitleNotFound  `暂未获取到您的产权登记信息，如有疑问请致电客服。` — the registry has no current title for this name+ID;
- HouseNotFound  `未能找到您的房屋，如有问题请致电客服` — titles exist but none of their units is in the registry
  (the owner may then `submit_house_info` for the subdistrict office's queue);
- RegistryBusy   `查询产权数据错误：系统繁忙，请稍后再试` — RegistryUnavailable (timeout, over the concurrency cap);
- FaceDeviceUnsupported `该设备不支持人脸识别！` — the provider reports the device/browser cannot do it.

Non-mainland IDs skip the face step; their identity stays unverified ("需线下认证") until a committee or subdistrict
office verifies it offline: they can bind but not vote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import clock, crypto, ratelimit
from pmip.core.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from pmip.core.idnumbers import ID_TYPES, is_mainland
from pmip.core.idnumbers import validate as validate_id_number
from pmip.core.masking import mask_id, mask_name, mask_phone
from pmip.core.phones import normalise_mobile
from pmip.identity import otp
from pmip.identity.models import (
    Account,
    BindingStatus,
    FaceVerification,
    HouseBinding,
    HouseInfoSubmission,
    OwnerIdentity,
    SmsPurpose,
    VerificationMethod,
)
from pmip.identity.owner_services import is_owner
from pmip.identity.scopes import project_q
from pmip.integrations.faceid import FaceResult, FaceSession, get_face_verifier
from pmip.integrations.title_registry import RegistryUnavailable, TitleHit, get_title_registry
from pmip.notifications.services import notify
from pmip.registry.models import Project, Subdistrict, TitleRecord, Unit

log = logging.getLogger(__name__)

# Where interfaces keep the sealed pending binding / supplementary-verification state in the session.
SESSION_KEY = "pmip_binding"
SUPPLEMENTARY_SESSION_KEY = "pmip_supplementary"
STATE_TTL_SECONDS = 30 * 60
FACE_VALID_SECONDS = 30 * 60
# Provider codes meaning "this device/browser cannot do face verification" (Tencent H5: 3001 cannot record video,
# 3005 no real-time detection mode).
UNSUPPORTED_FACE_CODES = frozenset({"3001", "3005"})
BINDING_PAGE = "/me/binding/"
NAME_MAX = 30
HOUSE_INFO_PENDING_MAX = 5

MSG_NO_TITLE = "暂未获取到您的产权登记信息，如有疑问请致电客服。"
MSG_NO_HOUSE = "未能找到您的房屋，如有问题请致电客服"
MSG_BUSY = "查询产权数据错误：系统繁忙，请稍后再试"
MSG_DEVICE = "该设备不支持人脸识别！"


# --------------------------------------------------------------------------------------------------- errors


class TitleNotFound(DomainError):
    code = "title_not_found"
    status = 404

    def __init__(self, message: str = MSG_NO_TITLE, **kwargs):
        super().__init__(message, **kwargs)


class HouseNotFound(DomainError):
    """Titles exist, but their units are not in the registry. `missing` lists them (no personal data)."""

    code = "house_not_found"
    status = 404

    def __init__(self, message: str = MSG_NO_HOUSE, *, missing: list[dict] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.missing = missing or []


class RegistryBusy(ServiceUnavailable):
    code = "registry_unavailable"

    def __init__(self, message: str = MSG_BUSY, **kwargs):
        super().__init__(message, **kwargs)


class FaceDeviceUnsupported(DomainError):
    code = "face_unsupported"
    status = 422

    def __init__(self, message: str = MSG_DEVICE, **kwargs):
        super().__init__(message, **kwargs)


class FaceNotPassed(DomainError):
    code = "face_failed"
    status = 422


class FaceNotFinished(DomainError):
    code = "face_unfinished"
    status = 409

    def __init__(self, message: str = "人脸识别尚未完成，请重新进行人脸识别。", **kwargs):
        super().__init__(message, **kwargs)


class FaceRequired(DomainError):
    code = "face_required"
    status = 409

    def __init__(self, message: str = "持大陆居民身份证的业主需先通过人脸识别。", **kwargs):
        super().__init__(message, **kwargs)


class BindingExpired(DomainError):
    code = "binding_expired"
    status = 409

    def __init__(self, message: str = "绑定信息已失效，请重新填写业主身份信息。", **kwargs):
        super().__init__(message, **kwargs)


class LookupRateLimited(RateLimited):
    code = "lookup_rate_limited"

    def __init__(self, message: str = "查询产权信息过于频繁，请一小时后再试。", **kwargs):
        super().__init__(message, **kwargs)


# --------------------------------------------------------------------------------------------------- pending state


@dataclass
class PendingBinding:
    """What a binding in progress carries between steps (sealed; see `seal` / `open_pending`)."""

    account_id: int
    mode: str  # "new" (form filled) or "add" (添加房屋绑定 from the identity on file)
    holder_name: str
    id_type: str
    id_enc: str  # the ID number, encrypted under a context naming the account
    id_hash: str
    id_masked: str
    mobile: str
    agreement_at: float | None
    face_required: bool
    face_consent_at: float | None = None
    face_id: int | None = None
    face_passed: bool = False
    candidates: list[dict[str, Any]] | None = None
    missing: list[dict[str, str]] = field(default_factory=list)
    lookup_error: str = ""
    issued_at: float = 0.0


def _state_context(account_id: int, kind: str) -> str:
    return f"pmip.{kind}:{account_id}"


def _id_context(account_id: int) -> str:
    return f"pmip.binding.id:{account_id}"


def seal(state: PendingBinding) -> str:
    state.issued_at = clock.now().timestamp()
    payload = json.dumps(dataclasses.asdict(state), ensure_ascii=False, separators=(",", ":"))
    return crypto.encrypt(payload, context=_state_context(state.account_id, "binding"))


def open_pending(*, actor, token: str | None) -> PendingBinding:
    """The pending binding of this actor, or BindingExpired (missing, another account's, tampered, too old)."""
    if not token or not getattr(actor, "pk", None):
        raise BindingExpired()
    try:
        data = json.loads(crypto.decrypt(token, context=_state_context(actor.pk, "binding")))
        state = PendingBinding(**data)
    except (ValueError, TypeError) as exc:
        raise BindingExpired() from exc
    if state.account_id != actor.pk or clock.now().timestamp() - state.issued_at > STATE_TTL_SECONDS:
        raise BindingExpired()
    return state


def _id_number(state: PendingBinding) -> str:
    return crypto.decrypt(state.id_enc, context=_id_context(state.account_id))


def _identity_id_number(identity: OwnerIdentity) -> str:
    return crypto.decrypt(identity.id_number_enc, context=f"id:{identity.id_type}")


# --------------------------------------------------------------------------------------------------- helpers


def _require_owner(actor) -> None:
    if not is_owner(actor):
        raise PermissionDenied("请使用业主账号登录后办理。")


def clean_holder_name(value: str) -> str:
    """业主姓名 as on the title certificate: 汉字, letters, 间隔号 and spaces; 2–30 characters."""
    name = " ".join(unicodedata.normalize("NFKC", value or "").split()).replace("•", "·")
    if not name:
        raise ValidationFailed("请输入业主姓名。", field="holder_name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"业主姓名不能超过{NAME_MAX}个字。", field="holder_name")
    if not re.fullmatch(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z·.\- ]+", name):
        raise ValidationFailed(
            "业主姓名只能包含汉字、字母、间隔号“·”和空格，请与不动产权证书上的姓名一致。", field="holder_name"
        )
    if len(name) < 2:
        raise ValidationFailed("请输入完整的业主姓名。", field="holder_name")
    return name


def clean_id(id_type: str, id_number: str) -> str:
    if id_type not in ID_TYPES:
        raise ValidationFailed("请选择证件类型。", field="id_type")
    try:
        return validate_id_number(id_type, id_number)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="id_number") from exc


def clean_mobile(mobile: str) -> str:
    try:
        return normalise_mobile(mobile)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="mobile") from exc


def _take_lookup_slot(account_id: int) -> None:
    limit = int(getattr(settings, "PMIP_BINDING_LOOKUP_LIMIT", 10))
    if not ratelimit.hit("binding.lookup", account_id, limit=limit, window=3600).allowed:
        raise LookupRateLimited()


def _take_face_slot(account_id: int) -> None:
    limit = int(getattr(settings, "PMIP_FACE_DAILY_LIMIT", 10))
    if not ratelimit.hit("binding.face", account_id, limit=limit, window=86400, local=True).allowed:
        raise RateLimited("今日发起人脸识别的次数已达上限，请明天再试。", code="face_rate_limited")


def _provider_name(verifier) -> str:
    return str(
        getattr(verifier, "provider", "")
        or getattr(settings, "PMIP_FACEID_BACKEND", "embedded")
        or "embedded"
    )[:20]


def house_label(unit: Unit) -> str:
    """莲花山庄1栋101 — project, building, room."""
    return f"{unit.project.name}{unit.building.number}栋{unit.number}"


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
    needs_face = is_mainland(id_type) and not (same_person and identity.is_verified)
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


def lookup_units(*, actor: Account, state: str | None) -> tuple[str, LookupResult]:
    """查询可绑定的房屋. With `state=None` this is 添加房屋绑定 for the identity already on file.

    Re-checks the face requirement (a passed verification of this account for this pending binding), applies the
    per-account limit (`PMIP_BINDING_LOOKUP_LIMIT` per hour), asks the registry and keeps the result in the pending
    binding. Raises LookupRateLimited, FaceRequired, BindingExpired, and — carrying the new state in `exc.state` so
    the interface can keep it — RegistryBusy, TitleNotFound, HouseNotFound. Writes identity.binding.looked_up.
    """
    _require_owner(actor)
    if state is None:
        identity = OwnerIdentity.objects.filter(account=actor).first()
        if identity is None:
            raise BindingExpired("请先填写业主身份信息。")
        if is_mainland(identity.id_type) and not identity.is_verified:
            raise FaceRequired("请先点击“+身份认证”完成人脸识别，再添加房屋绑定。")
        pending = _pending_from_identity(actor=actor, identity=identity)
    else:
        pending = open_pending(actor=actor, token=state)
        if pending.face_required and _passed_face(actor=actor, pending=pending) is None:
            raise FaceRequired()
    _take_lookup_slot(actor.pk)
    outcome = "found"
    found: list[dict] = []
    missing: list[dict] = []
    error: DomainError | None = None
    try:
        hits = get_title_registry().lookup(pending.holder_name, pending.id_type, _id_number(pending))
    except RegistryUnavailable:
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
        if created:
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
        newly_verified = face is not None and identity.verification == VerificationMethod.NONE
        if newly_verified:
            identity.verification = VerificationMethod.FACE
            identity.verified_at = face.verified_at or now
        identity.updated_at = now
        identity.save()
        record(
            actor=account,
            action="identity.identity.saved",
            obj=identity,
            data={"created": created, "id_type": identity.id_type, "id_masked": identity.id_number_masked},
        )
        if newly_verified:
            record(
                actor=account,
                action="identity.identity.verified",
                obj=identity,
                data={"method": "face", "face_verification_id": face.pk, "purpose": "binding"},
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
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationFailed(f"请填写{label}。", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}不能超过{max_length}个字。", field=field)
    return text


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


# --------------------------------------------------------------------------------------------------- title changes


def end_bindings_for_changed_titles(*, actor, unit: Unit) -> int:
    """Called when a unit's title records change (a record gets `ended_on`, or a new holder is registered).

    For each active binding of the unit: if the title it rests on is still current, nothing changes; if it ended
    but the same person (ID type + blind index) holds a current title of the unit, the binding moves to that title
    (identity.binding.title_updated); otherwise the binding ends with reason `title_changed`
    (identity.binding.ended). `actor` is None for the system (registry imports) or a staff account whose editable
    scope includes the unit's project (else NotFound). Returns how many bindings ended.
    """
    if actor is not None:
        q = project_q(actor, editable=True)
        if q is None or not Project.objects.filter(q).filter(pk=unit.project_id).exists():
            raise NotFound("未找到该房屋，或不在您的管辖范围内。")
    with transaction.atomic(durable=True):
        return follow_title_changes(actor=actor, unit=unit)


def follow_title_changes(*, actor, unit: Unit) -> int:
    """The work of `end_bindings_for_changed_titles`, inside the caller's transaction (no scope check: the caller
    — the service above or a registry import that already checked its scope — is responsible)."""
    now = clock.now()
    ended = 0
    bindings = list(
        HouseBinding.objects.select_for_update(of=("self",))
        .filter(unit=unit, status=BindingStatus.ACTIVE)
        .select_related("title_record")
        .order_by("pk")
    )
    current = {
        (t.id_type, t.id_number_hash): t
        for t in TitleRecord.objects.filter(unit=unit, ended_on__isnull=True).order_by("pk")
    }
    for binding in bindings:
        title = binding.title_record
        if title.ended_on is None:
            continue
        successor = current.get((title.id_type, title.id_number_hash))
        if successor is not None:
            binding.title_record = successor
            binding.save(update_fields=["title_record"])
            record(
                actor=actor,
                action="identity.binding.title_updated",
                obj=binding,
                data={
                    "unit_id": unit.pk,
                    "old_title_record_id": title.pk,
                    "title_record_id": successor.pk,
                },
            )
            continue
        _end(binding, actor=actor, reason="title_changed", now=now)
        ended += 1
    return ended
