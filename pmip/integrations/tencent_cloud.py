"""Tencent Cloud API 3.0: TC3-HMAC-SHA256 request signing and a small JSON client shared by FaceID and SMS.

Protocol (https://cloud.tencent.com/document/api/213/30654): every call is `POST /` with a JSON body and the headers
`X-TC-Action`, `X-TC-Version`, `X-TC-Timestamp` (and `X-TC-Region` where the service needs it). The
`Authorization` header carries `TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
SignedHeaders=<names>, Signature=<hex>`, where the signature is

    canonical   = METHOD \\n URI \\n QUERY \\n "name:value\\n"… \\n signed;names \\n hex(sha256(body))
    to_sign     = "TC3-HMAC-SHA256" \\n timestamp \\n date/service/tc3_request \\n hex(sha256(canonical))
    key         = HMAC(HMAC(HMAC("TC3"+SecretKey, date), service), "tc3_request")
    signature   = hex(HMAC(key, to_sign))

with `date` the UTC date of the timestamp. A successful answer is `{"Response": {..., "RequestId": ...}}`; a failed
one is `{"Response": {"Error": {"Code": ..., "Message": ...}, "RequestId": ...}}` (still HTTP 200).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.core.exceptions import ImproperlyConfigured

from pmip.core import clock
from pmip.core.conf import secret
from pmip.core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_SIGNED_HEADERS = ("content-type", "host", "x-tc-action")


@dataclass(frozen=True)
class TencentCredentials:
    secret_id: str
    secret_key: str = field(repr=False)

    @classmethod
    def from_settings(cls) -> TencentCredentials:
        """SecretId/SecretKey from settings or, failing that, straight from the environment. No defaults."""
        secret_id = secret("tencentcloud_secret_id")
        secret_key = secret("tencentcloud_secret_key")
        if not secret_id or not secret_key:
            raise ImproperlyConfigured(
                "PMIP_TENCENTCLOUD_SECRET_ID and PMIP_TENCENTCLOUD_SECRET_KEY must be set in the environment"
            )
        return cls(secret_id=secret_id, secret_key=secret_key)


def utc_date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d")


def canonical_request(
    *,
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    payload: bytes,
) -> str:
    """The canonical request string. `headers` keys are matched case-insensitively; values are trimmed and the
    names lower-cased, as the provider does."""
    lowered = {name.lower(): value for name, value in headers.items()}
    names = [name.lower() for name in signed_headers]
    canonical_headers = "".join(f"{name}:{lowered[name].strip().lower()}\n" for name in names)
    return "\n".join(
        [
            method.upper(),
            uri,
            query,
            canonical_headers,
            ";".join(names),
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def string_to_sign(*, timestamp: int, service: str, canonical: str) -> str:
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )


def signature(*, secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), utc_date(timestamp))
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    *,
    credentials: TencentCredentials,
    service: str,
    timestamp: int,
    headers: Mapping[str, str],
    payload: bytes,
    signed_headers: Iterable[str] = DEFAULT_SIGNED_HEADERS,
    method: str = "POST",
    uri: str = "/",
    query: str = "",
) -> str:
    """The value of the `Authorization` header for one request."""
    names = [name.lower() for name in signed_headers]
    canonical = canonical_request(
        method=method, uri=uri, query=query, headers=headers, signed_headers=names, payload=payload
    )
    to_sign = string_to_sign(timestamp=timestamp, service=service, canonical=canonical)
    sig = signature(secret_key=credentials.secret_key, timestamp=timestamp, service=service, to_sign=to_sign)
    return (
        f"{ALGORITHM} Credential={credentials.secret_id}/{utc_date(timestamp)}/{service}/tc3_request, "
        f"SignedHeaders={';'.join(names)}, Signature={sig}"
    )


class TencentCloudError(Exception):
    """The provider answered with `Response.Error`. `code` is its error code, e.g. `FailedOperation.UnKnown`."""

    def __init__(self, code: str, message: str, request_id: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id


class TencentCloudUnavailable(ServiceUnavailable):
    """The provider could not be reached, timed out, or answered with something that is not API 3.0 JSON."""

    code = "tencentcloud_unavailable"

    def __init__(self, message: str = "外部服务暂时无法访问，请稍后再试。", **kwargs):
        super().__init__(message, **kwargs)


class TencentCloudClient:
    """Signs and posts API 3.0 calls for one service. `base_url` is e.g. `https://faceid.tencentcloudapi.com`."""

    def __init__(
        self,
        *,
        service: str,
        version: str,
        base_url: str,
        credentials: TencentCredentials,
        region: str = "",
        timeout: float = 5.0,
        language: str = "zh-CN",
    ):
        self.service = service
        self.version = version
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.credentials = credentials
        self.region = region
        self.timeout = timeout
        self.language = language

    def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Post one action; return the `Response` object (with its `RequestId`). Raises TencentCloudError for an
        `Error` answer and TencentCloudUnavailable when the provider cannot be reached or answers garbage."""
        payload = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(clock.now().timestamp())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": action,
            "X-TC-Version": self.version,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Language": self.language,
        }
        if self.region:
            headers["X-TC-Region"] = self.region
        headers["Authorization"] = authorization(
            credentials=self.credentials,
            service=self.service,
            timestamp=timestamp,
            headers=headers,
            payload=payload,
        )
        try:
            response = httpx.post(self.base_url + "/", content=payload, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            log.warning("tencentcloud %s %s timed out", self.service, action)
            raise TencentCloudUnavailable() from exc
        except httpx.HTTPError as exc:
            log.warning("tencentcloud %s %s failed: %s", self.service, action, type(exc).__name__)
            raise TencentCloudUnavailable() from exc
        if response.status_code != 200:
            log.warning("tencentcloud %s %s answered HTTP %s", self.service, action, response.status_code)
            raise TencentCloudUnavailable()
        try:
            body = response.json()["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("tencentcloud %s %s answered a non API 3.0 body", self.service, action)
            raise TencentCloudUnavailable() from exc
        if not isinstance(body, dict):
            raise TencentCloudUnavailable()
        error = body.get("Error")
        if error:
            raise TencentCloudError(
                str(error.get("Code", "")), str(error.get("Message", "")), str(body.get("RequestId", ""))
            )
        return body
