"""Face verification (人脸核身): Tencent Cloud FaceID, API 3.0, service `faceid`, version 2018-03-01.

Flow (WeChat H5): `DetectAuth` {RuleId, IdCard, Name, RedirectUrl} → {BizToken, Url}; the owner's browser goes to
`Url`, does the liveness check on Tencent's page and comes back to `RedirectUrl` (with the BizToken in the query).
Whatever the browser brings back is not trusted: only `GetDetectInfoEnhanced` {BizToken, RuleId, InfoType} queried
server to server decides. `Text.ErrCode == 0` is a pass; `Text.Sim` is the similarity score (0–100, the provider
recommends ≥ 70). ErrCode 17 (or none) means "流程未完成" (the owner has not finished), 15 means the token expired;
other codes are failures (e.g. 1002 suspected non-live, 2006 name/ID mismatch, 2016 similarity below threshold,
301 the person verified is not the ID given).

No face data is requested or kept (domain-rules §5): `InfoType` is "1" (text only: no ID-card photos "2", no best
frame "3", no video "4"), and the answer is reduced to an allow-list of result fields before it leaves this module,
so images, video, ID numbers, names, OCR data, mobile and location never reach the caller even if the provider sends
them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from pmip.core import clock
from pmip.core.conf import pmip_settings
from pmip.core.errors import DomainError, ServiceUnavailable, ValidationFailed
from pmip.integrations.tencent_cloud import (
    TencentCloudClient,
    TencentCloudError,
    TencentCloudUnavailable,
    TencentCredentials,
)

log = logging.getLogger(__name__)

SERVICE = "faceid"
VERSION = "2018-03-01"
DEFAULT_URL = "https://faceid.tencentcloudapi.com"
TEXT_ONLY = "1"
DEFAULT_MIN_SCORE = Decimal("70")
# Built on these interfaces by the stand-in with its own verification page (not in this module).
EMBEDDED_VERIFIER = "pmip.integrations.embedded_faceid.EmbeddedFaceVerifier"

# The only fields of `Text` (DetectInfoText) that may leave the adapter. Everything else — IdCard, Name, Ocr*,
# Mobile, Location, Extra, LivenessDetail (which repeats ID number and name) — is dropped.
TEXT_ALLOWED = (
    "ErrCode",
    "ErrMsg",
    "LiveStatus",
    "LiveMsg",
    "Comparestatus",
    "Comparemsg",
    "Sim",
    "LivenessMode",
)


@dataclass(frozen=True)
class FaceSession:
    """`token` identifies the verification (Tencent's BizToken); send the browser to `url`."""

    token: str
    url: str


@dataclass(frozen=True)
class FaceResult:
    """The provider's verdict, nothing more. `completed` is False while the owner has not finished on the page."""

    transaction_id: str
    completed: bool
    passed: bool
    score: Decimal | None
    verified_at: dt.datetime | None
    error_code: str
    error_message: str
    detail: Mapping[str, Any] = field(default_factory=dict)


class FaceVerifier(Protocol):
    def start(self, name: str, id_number: str, redirect_url: str) -> FaceSession:
        """Open a verification for this mainland ID holder. Raises ValidationFailed / FaceVerificationUnavailable."""

    def result(self, token: str) -> FaceResult:
        """Ask the provider (server to server) how the verification ended."""


class FaceVerificationUnavailable(ServiceUnavailable):
    code = "face_unavailable"

    def __init__(self, message: str = "人脸核身服务繁忙，请稍后再试。", **kwargs):
        super().__init__(message, **kwargs)


class FaceSessionExpired(DomainError):
    code = "face_expired"

    def __init__(self, message: str = "本次人脸核身已失效，请重新发起。", **kwargs):
        super().__init__(message, **kwargs)


_START_ERRORS: dict[str, str] = {
    "FailedOperation.IdFormatError": "身份证号码有误，请核对后重新输入。",
    "FailedOperation.NameFormatError": "姓名有误，请核对后重新输入。",
    "FailedOperation.IdNameMisMatch": "姓名和身份证号码不一致，请核对后重新输入。",
    "FailedOperation.IdNoExistSystem": "公安系统中查无此身份证号码，请到户籍所在地核实，或选择线下认证。",
    "FailedOperation.IdPhotoNoExist": "公安系统中无此身份证号码的照片，请选择线下认证。",
}
_EXPIRED = frozenset({"InvalidParameterValue.BizTokenExpired", "InvalidParameterValue.BizTokenIllegal"})
_NOT_FINISHED_CODES = frozenset({"17"})
_EXPIRED_CODES = frozenset({"15"})


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _verified_at(text: Mapping[str, Any]) -> dt.datetime | None:
    """Time of the last liveness comparison (ReqTime, epoch milliseconds), if the provider gave one."""
    details = text.get("LivenessDetail") or []
    for detail in reversed(details):
        raw = (detail or {}).get("ReqTime")
        if raw is None:
            continue
        try:
            return dt.datetime.fromtimestamp(int(raw) / 1000, tz=dt.UTC)
        except (TypeError, ValueError, OverflowError):
            continue
    return None


def sanitise(response: Mapping[str, Any]) -> dict[str, Any]:
    """Reduce a GetDetectInfoEnhanced answer to the allowed result fields (plus RequestId)."""
    text = response.get("Text") or {}
    out: dict[str, Any] = {key: text.get(key) for key in TEXT_ALLOWED if key in text}
    if response.get("RequestId"):
        out["RequestId"] = str(response["RequestId"])
    return out


class TencentFaceVerifier:
    """Real FaceID (慧眼) client. `min_score` is our own floor on `Sim`, on top of the provider's verdict."""

    def __init__(self, *, client: TencentCloudClient, rule_id: str, min_score: Decimal = DEFAULT_MIN_SCORE):
        self.client = client
        self.rule_id = rule_id
        self.min_score = min_score

    @classmethod
    def from_settings(cls) -> TencentFaceVerifier:
        rule_id = str(pmip_settings().faceid_rule_id)
        if not rule_id:
            raise ImproperlyConfigured("PMIP_FACEID_RULE_ID must be set when PMIP_FACEID_BACKEND=tencent")
        client = TencentCloudClient(
            service=SERVICE,
            version=VERSION,
            base_url=pmip_settings().faceid_url,
            credentials=TencentCredentials.from_settings(),
            timeout=float(pmip_settings().tencentcloud_timeout),
        )
        return cls(
            client=client,
            rule_id=rule_id,
            min_score=Decimal(str(pmip_settings().faceid_min_score)),
        )

    def start(self, name: str, id_number: str, redirect_url: str) -> FaceSession:
        try:
            body = self.client.call(
                "DetectAuth",
                {"RuleId": self.rule_id, "IdCard": id_number, "Name": name, "RedirectUrl": redirect_url},
            )
        except TencentCloudError as exc:
            log.warning("faceid DetectAuth refused: %s (request %s)", exc.code, exc.request_id)
            if exc.code in _START_ERRORS:
                raise ValidationFailed(_START_ERRORS[exc.code], code="face_rejected") from exc
            raise FaceVerificationUnavailable() from exc
        except TencentCloudUnavailable as exc:
            raise FaceVerificationUnavailable() from exc
        token, url = str(body.get("BizToken") or ""), str(body.get("Url") or "")
        if not token or not url:
            raise FaceVerificationUnavailable()
        return FaceSession(token=token, url=url)

    def result(self, token: str) -> FaceResult:
        try:
            body = self.client.call(
                "GetDetectInfoEnhanced", {"BizToken": token, "RuleId": self.rule_id, "InfoType": TEXT_ONLY}
            )
        except TencentCloudError as exc:
            log.warning("faceid GetDetectInfoEnhanced refused: %s (request %s)", exc.code, exc.request_id)
            if exc.code in _EXPIRED:
                raise FaceSessionExpired() from exc
            raise FaceVerificationUnavailable() from exc
        except TencentCloudUnavailable as exc:
            raise FaceVerificationUnavailable() from exc
        text = body.get("Text") or {}
        detail = sanitise(body)
        err = text.get("ErrCode")
        if err is not None and str(err) in _EXPIRED_CODES:
            raise FaceSessionExpired()
        if err is None or str(err) in _NOT_FINISHED_CODES:
            return FaceResult(
                transaction_id=token,
                completed=False,
                passed=False,
                score=None,
                verified_at=None,
                error_code="" if err is None else str(err),
                error_message=str(text.get("ErrMsg") or ""),
                detail=detail,
            )
        score = _decimal(text.get("Sim"))
        error_code = str(err)
        provider_passed = error_code == "0"
        passed = provider_passed and score is not None and score >= self.min_score
        message = str(text.get("ErrMsg") or "")
        if provider_passed and not passed:
            error_code, message = "low_score", "比对相似度未达到通过标准。"
        return FaceResult(
            transaction_id=token,
            completed=True,
            passed=passed,
            score=score,
            verified_at=_verified_at(text) or clock.now(),
            error_code=error_code,
            error_message=message,
            detail=detail,
        )


def get_face_verifier() -> FaceVerifier:
    """`PMIP_FACEID_BACKEND`: "embedded" (default, the stand-in with its own page), "tencent", or a dotted path."""
    name = pmip_settings().faceid_backend
    if name == "tencent":
        return TencentFaceVerifier.from_settings()
    backend = import_string(EMBEDDED_VERIFIER if name == "embedded" else name)
    return backend.from_settings() if hasattr(backend, "from_settings") else backend()
