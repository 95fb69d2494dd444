"""Shared pieces of house binding: errors with the manual's wording, the sealed pending binding, field cleaning,
the per-account look-up and face counters."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter

from pmip.core import clock, crypto, ratelimit
from pmip.core.conf import pmip_settings
from pmip.core.errors import (
    DomainError,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from pmip.core.idnumbers import ID_TYPES
from pmip.core.idnumbers import validate as validate_id_number
from pmip.core.phones import normalise_mobile
from pmip.identity.models import (
    OwnerIdentity,
)
from pmip.identity.owner_services import is_owner
from pmip.registry.models import Unit

log = logging.getLogger("pmip.identity.binding")  # one logger for the whole package

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
    state: str | None = None  # the pending binding to keep (set by lookup_units)
    status = 404

    def __init__(self, message: str = MSG_NO_TITLE, **kwargs):
        super().__init__(message, **kwargs)


class HouseNotFound(DomainError):
    """Titles exist, but their units are not in the registry. `missing` lists them (no personal data)."""

    code = "house_not_found"
    state: str | None = None  # the pending binding to keep (set by lookup_units)
    status = 404

    def __init__(self, message: str = MSG_NO_HOUSE, *, missing: list[dict] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.missing = missing or []


class RegistryBusy(ServiceUnavailable):
    code = "registry_unavailable"
    state: str | None = None  # the pending binding to keep (set by lookup_units)

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


class LookupIpRateLimited(RateLimited):
    """Too many look-ups from one client address this hour. Many owners may share an address, so the owner reads
    the busy wording, not a reproach."""

    code = "lookup_ip_rate_limited"

    def __init__(self, message: str = MSG_BUSY, **kwargs):
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


# Look-ups refused before any identity work (no identity read, no ID decrypted, no audit entry: nothing of the
# owner's was looked at), by reason: "registry_busy" (every slot of the title registry taken), "ip_limit",
# "account_limit". Exported at /metrics (pmip.ops.metrics).
LOOKUPS_REFUSED = Counter(
    "pmip_binding_lookups_refused", "Title look-ups refused before any identity work", ["reason"]
)
LOOKUP_WINDOW = 3600  # both look-up limits count per clock hour


def _take_lookup_slot(account_id: int) -> None:
    limit = int(pmip_settings().binding_lookup_limit)
    if not ratelimit.hit("binding.lookup", account_id, limit=limit, window=LOOKUP_WINDOW).allowed:
        LOOKUPS_REFUSED.labels("account_limit").inc()
        raise LookupRateLimited()


def _give_back_lookup_slot(account_id: int) -> None:
    """A later check of the same look-up refused (no face verification, expired state): it does not count."""
    ratelimit.undo("binding.lookup", account_id, window=LOOKUP_WINDOW)


def take_lookup_ip_slot(ip: str) -> None:
    """Per client IP (`PMIP_BINDING_LOOKUP_IP_LIMIT` per hour), in the shared cache; raises LookupIpRateLimited."""
    limit = int(pmip_settings().binding_lookup_ip_limit)
    if not ratelimit.hit("binding.lookup.ip", ip, limit=limit, window=LOOKUP_WINDOW).allowed:
        LOOKUPS_REFUSED.labels("ip_limit").inc()
        raise LookupIpRateLimited()


def _take_face_slot(account_id: int) -> None:
    limit = int(pmip_settings().face_daily_limit)
    if not ratelimit.hit("binding.face", account_id, limit=limit, window=86400, local=True).allowed:
        raise RateLimited("今日发起人脸识别的次数已达上限，请明天再试。", code="face_rate_limited")


def _provider_name(verifier) -> str:
    return str(getattr(verifier, "provider", "") or pmip_settings().faceid_backend or "embedded")[:20]


def house_label(unit: Unit) -> str:
    """莲花山庄1栋101 — project, building, room."""
    return f"{unit.project.name}{unit.building.number}栋{unit.number}"
