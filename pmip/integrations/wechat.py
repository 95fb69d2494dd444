"""WeChat Official Account (公众号): web authorisation (网页授权, OAuth 2.0, scope `snsapi_base`) and template
messages (模板消息).

Web authorisation
    1. send the browser to `{oauth}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code
       &scope=snsapi_base&state=…#wechat_redirect`;
    2. WeChat redirects back with `?code=…&state=…`;
    3. `GET {api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` answers
       `{"access_token", "expires_in", "refresh_token", "openid", "scope", "is_snapshotuser", "unionid"}` or
       `{"errcode": 40029, "errmsg": "invalid code"}`. A code works once, for five minutes.
    Users who opened the page in "snapshot mode" (朋友圈快照页, `is_snapshotuser: 1`) get a virtual openid: they are
    refused with a DomainError asking them to open the page in WeChat.

Template messages
    `POST {api}/cgi-bin/message/template/send?access_token=…` with `{"touser", "template_id", "url",
    "client_msg_id", "data": {"thing1": {"value": "…"}, …}}` answers `{"errcode": 0, "errmsg": "ok", "msgid": …}`.
    The global access_token comes from `/cgi-bin/stable_token` (default; POST, secret in the body, does not
    invalidate tokens held by other systems on the same appid) or `/cgi-bin/token` (GET, classic). It is cached in the
    Django cache (Redis in production, so shared by all workers) until `PMIP_WECHAT_TOKEN_MARGIN` seconds before it
    expires; one worker refreshes while the others wait; an answer of 40001/40014/42001 refreshes it once and the
    message is sent again once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from pmip.core.conf import pmip_settings, secret
from pmip.core.errors import DomainError, ServiceUnavailable

log = logging.getLogger(__name__)


class _RedactQuery(logging.Filter):
    """httpx logs every request URL at INFO; WeChat puts the appsecret, the one-time code and the access_token in
    the query string. Blank their values before any handler sees the record."""

    _SECRET = re.compile(r"((?:secret|code|access_token)=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._SECRET.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _RedactQuery) for f in _httpx_log.filters):
    _httpx_log.addFilter(_RedactQuery())

DEFAULT_OAUTH_URL = "https://open.weixin.qq.com"
DEFAULT_API_URL = "https://api.weixin.qq.com"
# Built on these interfaces by the stand-in with its own authorise page (not in this module).
EMBEDDED_OAUTH = "pmip.integrations.embedded_wechat.EmbeddedWechatOAuth"

SNAPSHOT_MESSAGE = "请在微信中打开并授权后使用"


# --------------------------------------------------------------------------------------------------- errors


class WechatAuthError(DomainError):
    """Web authorisation refused (bad, used or expired code; snapshot-mode user; wrong configuration)."""

    code = "wechat_auth"
    status = 400

    def __init__(self, message: str, *, errcode: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.errcode = errcode


class WechatUnavailable(ServiceUnavailable):
    """WeChat could not be reached, timed out, or said it is busy."""

    code = "wechat_unavailable"

    def __init__(self, message: str = "微信服务繁忙，请稍后再试。", **kwargs):
        super().__init__(message, **kwargs)


class WechatApiError(Exception):
    """A WeChat API answered with a non-zero errcode (template messages, tokens). For background work, not owners."""

    RETRYABLE = frozenset({-1, 45009, 45011})

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        return self.errcode in self.RETRYABLE


# Web authorisation errcodes → what the owner is told.
_OAUTH_MESSAGES: dict[int, str] = {
    40029: "微信授权码无效，请返回后重新进入页面。",
    40163: "微信授权码已被使用，请返回后重新进入页面。",
    42003: "微信授权码已过期，请返回后重新进入页面。",
    41008: "缺少微信授权码，请从公众号菜单重新进入。",
    40013: "微信授权配置有误，请联系客服。",
    40125: "微信授权配置有误，请联系客服。",
    41002: "微信授权配置有误，请联系客服。",
    41004: "微信授权配置有误，请联系客服。",
    40164: "微信授权配置有误，请联系客服。",
}
_BUSY_ERRCODES = frozenset({-1, 45009, 45011})


# --------------------------------------------------------------------------------------------------- HTTP


def _parse(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        log.warning("wechat %s answered HTTP %s", what, response.status_code)
        raise WechatUnavailable()
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        log.warning("wechat %s answered a non-JSON body", what)
        raise WechatUnavailable() from exc
    if not isinstance(body, dict):
        raise WechatUnavailable()
    return body


def _request(method: str, url: str, *, what: str, timeout: float, **kwargs) -> dict[str, Any]:
    """One call; the URL may hold the appsecret, so it is never logged."""
    try:
        response = httpx.request(method, url, timeout=timeout, **kwargs)
    except httpx.HTTPError as exc:
        log.warning("wechat %s failed: %s", what, type(exc).__name__)
        raise WechatUnavailable() from exc
    return _parse(response, what)


def _app_secret() -> str:
    value = secret("wechat_app_secret")
    if not value:
        raise ImproperlyConfigured("PMIP_WECHAT_APP_SECRET must be set in the environment")
    return value


def _app_id() -> str:
    app_id = secret("wechat_app_id")
    if not app_id:
        raise ImproperlyConfigured("PMIP_WECHAT_APP_ID must be set")
    return app_id


def _timeout() -> float:
    return float(pmip_settings().wechat_timeout)


# --------------------------------------------------------------------------------------------------- web authorisation


@dataclass(frozen=True)
class WechatIdentity:
    """Who came back from the authorise page. `openid` is per official account."""

    openid: str
    is_snapshotuser: bool = False
    unionid: str = ""
    scope: str = "snsapi_base"


class WechatOAuth(Protocol):
    """Web authorisation. Every implementation (real or stand-in) must refuse snapshot-mode users in
    `exchange_code` with `reject_snapshot_user`."""

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where to send the browser. `state` (≤128 letters/digits) comes back unchanged with the code."""

    def exchange_code(self, code: str) -> WechatIdentity:
        """Turn the `code` from the redirect into an identity. Raises WechatAuthError / WechatUnavailable."""


_STATE = re.compile(r"[A-Za-z0-9]{1,128}")


def check_state(state: str) -> str:
    if not _STATE.fullmatch(state or ""):
        raise ValueError("state must be 1–128 letters or digits")
    return state


def reject_snapshot_user(identity: WechatIdentity) -> WechatIdentity:
    if identity.is_snapshotuser:
        raise WechatAuthError(SNAPSHOT_MESSAGE, code="wechat_snapshot_user")
    return identity


class WechatOAuthClient:
    """Real web authorisation against open.weixin.qq.com / api.weixin.qq.com (both base URLs configurable)."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        oauth_url: str = DEFAULT_OAUTH_URL,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 5.0,
    ):
        self.app_id = app_id
        self._app_secret = app_secret
        self.oauth_url = oauth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"WechatOAuthClient(app_id={self.app_id!r}, oauth_url={self.oauth_url!r})"

    @classmethod
    def from_settings(cls) -> WechatOAuthClient:
        return cls(
            app_id=_app_id(),
            app_secret=_app_secret(),
            oauth_url=pmip_settings().wechat_oauth_url,
            api_url=pmip_settings().wechat_api_url,
            timeout=_timeout(),
        )

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        # WeChat insists on this parameter order and on the #wechat_redirect fragment.
        return (
            f"{self.oauth_url}/connect/oauth2/authorize?appid={quote(self.app_id, safe='')}"
            f"&redirect_uri={quote(redirect_uri, safe='')}&response_type=code&scope=snsapi_base"
            f"&state={check_state(state)}#wechat_redirect"
        )

    def exchange_code(self, code: str) -> WechatIdentity:
        if not code:
            raise WechatAuthError(_OAUTH_MESSAGES[41008], errcode=41008)
        body = _request(
            "GET",
            f"{self.api_url}/sns/oauth2/access_token",
            what="oauth2/access_token",
            timeout=self.timeout,
            params={
                "appid": self.app_id,
                "secret": self._app_secret,
                "code": code,
                "grant_type": "authorization_code",
            },
        )
        errcode = int(body.get("errcode") or 0)
        if errcode:
            log.warning("wechat oauth2/access_token errcode %s", errcode)
            if errcode in _BUSY_ERRCODES:
                raise WechatUnavailable()
            message = _OAUTH_MESSAGES.get(errcode, f"微信授权失败（错误码{errcode}），请返回后重新进入页面。")
            raise WechatAuthError(message, errcode=errcode)
        openid = str(body.get("openid") or "")
        if not openid:
            raise WechatUnavailable()
        identity = WechatIdentity(
            openid=openid,
            is_snapshotuser=bool(int(body.get("is_snapshotuser") or 0)),
            unionid=str(body.get("unionid") or ""),
            scope=str(body.get("scope") or "snsapi_base"),
        )
        return reject_snapshot_user(identity)


def get_oauth() -> WechatOAuth:
    """`PMIP_WECHAT_OAUTH_BACKEND`: "embedded" (default, the stand-in with its own page), "wechat", or a dotted path."""
    name = pmip_settings().wechat_oauth_backend
    if name == "wechat":
        return WechatOAuthClient.from_settings()
    backend = import_string(EMBEDDED_OAUTH if name == "embedded" else name)
    return backend.from_settings() if hasattr(backend, "from_settings") else backend()


# --------------------------------------------------------------------------------------------------- template messages


class TemplateDataError(ValueError):
    """A template field value does not fit the field's type (a programming error, not an owner's)."""


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
THING_MAX = 20


def _fit_thing(value: str) -> str:
    # Free text (project names, titles): shortened rather than refused, so a long name never loses a message.
    return value if len(value) <= THING_MAX else value[: THING_MAX - 1] + "…"


@dataclass(frozen=True)
class _FieldRule:
    pattern: re.Pattern[str]
    description: str


_FIELD_RULES: dict[str, _FieldRule] = {
    "number": _FieldRule(re.compile(r"[0-9]{1,32}(\.[0-9]+)?"), "32位以内数字，可带小数"),
    "letter": _FieldRule(re.compile(r"[A-Za-z]{1,32}"), "32位以内字母"),
    "symbol": _FieldRule(re.compile(rf"[^A-Za-z0-9{_CJK}\s]{{1,5}}"), "5位以内符号"),
    "character_string": _FieldRule(re.compile(rf"[^{_CJK}\s]{{1,32}}"), "32位以内数字、字母或符号"),
    "time": _FieldRule(
        re.compile(r"[0-9年月日时分秒:：\-/. ~]{1,40}"), "24小时制时间，可带年月日，时间段用~连接"
    ),
    "date": _FieldRule(
        re.compile(r"[0-9年月日时分秒:：\-/. ~]{1,40}"), "年月日日期，可带时间，时间段用~连接"
    ),
    "amount": _FieldRule(
        re.compile(r"[¥￥$]?[0-9]{1,10}(\.[0-9]{1,2})?元?"), "币种符号加10位以内数字，可带“元”"
    ),
    "phone_number": _FieldRule(re.compile(r"[0-9+\-() ]{1,17}"), "17位以内数字或符号"),
    "car_number": _FieldRule(
        re.compile(rf"[{_CJK}A-Za-z0-9][A-Za-z0-9]{{0,6}}[{_CJK}A-Za-z0-9]?"), "8位以内车牌"
    ),
    "name": _FieldRule(
        re.compile(rf"[{_CJK}A-Za-z·]{{1,10}}|[A-Za-z .·]{{1,20}}"), "10个以内汉字或20个以内字母"
    ),
    "phrase": _FieldRule(re.compile(rf"[{_CJK}]{{1,5}}"), "5个以内汉字"),
    "const": _FieldRule(re.compile(r".{1,20}"), "20个以内字符"),
}
_KEY = re.compile(r"([a-z_]+?)(\d+)")


def check_field(key: str, value: str) -> str:
    """Validate (and for `thing` shorten) one template value by the type its key names: thing1, time2, …"""
    match = _KEY.fullmatch(key)
    if not match:
        raise TemplateDataError(f"template key {key!r} must be a field type and a number, e.g. thing1")
    kind = match.group(1)
    text = str(value).strip()
    if not text or _CONTROL.search(text):
        raise TemplateDataError(f"template field {key} must be one line of text")
    if kind == "thing":
        return _fit_thing(text)
    rule = _FIELD_RULES.get(kind)
    if rule is None:
        raise TemplateDataError(f"unknown template field type {kind!r} in {key!r}")
    if not rule.pattern.fullmatch(text):
        raise TemplateDataError(f"template field {key} must be {rule.description}")
    return text


@dataclass(frozen=True)
class TemplateMessage:
    """One template message. `data` maps typed keys (thing1, time2, character_string3, …) to plain values;
    `client_msg_id` (≤32 letters/digits/_-) makes WeChat send it once per recipient within ten minutes."""

    touser: str
    template_id: str
    data: Mapping[str, str]
    url: str = ""
    client_msg_id: str = ""
    checked: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.touser or not self.template_id:
            raise TemplateDataError("touser and template_id are required")
        if not self.data:
            raise TemplateDataError("a template message needs data")
        if self.client_msg_id and not re.fullmatch(r"[A-Za-z0-9_\-]{1,32}", self.client_msg_id):
            raise TemplateDataError("client_msg_id must be 1–32 letters, digits, _ or -")
        object.__setattr__(
            self, "checked", {key: check_field(key, value) for key, value in self.data.items()}
        )

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "touser": self.touser,
            "template_id": self.template_id,
            "data": {key: {"value": value} for key, value in self.checked.items()},
        }
        if self.url:
            body["url"] = self.url
        if self.client_msg_id:
            body["client_msg_id"] = self.client_msg_id
        return body


class TemplateSender(Protocol):
    def send(self, message: TemplateMessage) -> str:
        """Send; return WeChat's msgid. Raises WechatApiError (see `.retryable`) or WechatUnavailable."""


def _log_delivery(message: TemplateMessage) -> None:
    """With PMIP_EMBEDDED_WECHAT_LOG set, the stand-in appends one JSON line per send() call it receives, from every
    process (the cluster test counts them: a message the platform handed over twice shows up twice)."""
    path = pmip_settings().embedded_wechat_log
    if not path:
        return
    line = json.dumps({"client_msg_id": message.client_msg_id, "touser": message.touser, "pid": os.getpid()})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())  # one write() per line with O_APPEND: lines never interleave
    finally:
        os.close(fd)


class EmbeddedTemplateSender:
    """Stand-in: keeps messages in memory (newest last); the same (touser, client_msg_id) is sent once."""

    sent: deque[tuple[str, TemplateMessage]] = deque(maxlen=500)
    _by_client_id: dict[tuple[str, str], str] = {}
    _counter = 0
    _lock = threading.Lock()

    def send(self, message: TemplateMessage) -> str:
        _log_delivery(message)
        with self._lock:
            key = (message.touser, message.client_msg_id)
            if message.client_msg_id and key in self._by_client_id:
                return self._by_client_id[key]
            type(self)._counter += 1
            msgid = f"embedded-{self._counter}"
            self.sent.append((msgid, message))
            if message.client_msg_id:
                self._by_client_id[key] = msgid
                if len(self._by_client_id) > 2 * (self.sent.maxlen or 500):
                    del self._by_client_id[next(iter(self._by_client_id))]  # forget the oldest
        log.info("embedded WeChat template %s → %s", message.template_id, msgid)
        return msgid

    @classmethod
    def last_to(cls, openid: str) -> TemplateMessage | None:
        for _msgid, message in reversed(cls.sent):
            if message.touser == openid:
                return message
        return None

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.sent.clear()
            cls._by_client_id.clear()


_TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class AccessTokenProvider:
    """The official account's global access_token, cached in the Django cache and shared by all workers."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 5.0,
        endpoint: str = "stable",
        margin: int = 300,
        wait: float = 5.0,
    ):
        if endpoint not in {"stable", "classic"}:
            raise ImproperlyConfigured("PMIP_WECHAT_TOKEN_ENDPOINT must be 'stable' or 'classic'")
        self.app_id = app_id
        self._app_secret = app_secret
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.endpoint = endpoint
        self.margin = margin
        self.wait = wait
        self.cache_key = f"pmip:wechat:access_token:{app_id}"
        self.lock_key = f"{self.cache_key}:lock"

    def __repr__(self) -> str:
        return f"AccessTokenProvider(app_id={self.app_id!r}, endpoint={self.endpoint!r})"

    def get(self, *, stale: str | None = None) -> str:
        """A valid token. Pass `stale` (a token WeChat just refused) to get a fresh one instead of it."""
        token = cache.get(self.cache_key)
        if token and token != stale:
            return token
        deadline = time.monotonic() + self.wait
        while True:
            if cache.add(self.lock_key, "1", timeout=int(self.timeout * 2) + 5):
                try:
                    token = cache.get(self.cache_key)
                    if token and token != stale:
                        return token  # another worker refreshed it meanwhile
                    token, expires_in = self._fetch(force_refresh=stale is not None)
                    cache.set(self.cache_key, token, timeout=max(expires_in - self.margin, 60))
                    return token
                finally:
                    cache.delete(self.lock_key)
            # Another worker is fetching; wait for its token rather than invalidating it with a second fetch.
            time.sleep(0.05)
            token = cache.get(self.cache_key)
            if token and token != stale:
                return token
            if time.monotonic() > deadline:
                log.warning("wechat access_token: gave up waiting for another worker's refresh")
                raise WechatUnavailable()

    def _fetch(self, *, force_refresh: bool) -> tuple[str, int]:
        if self.endpoint == "stable":
            body = _request(
                "POST",
                f"{self.api_url}/cgi-bin/stable_token",
                what="stable_token",
                timeout=self.timeout,
                json={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self._app_secret,
                    "force_refresh": force_refresh,
                },
            )
        else:
            body = _request(
                "GET",
                f"{self.api_url}/cgi-bin/token",
                what="token",
                timeout=self.timeout,
                params={"grant_type": "client_credential", "appid": self.app_id, "secret": self._app_secret},
            )
        errcode = int(body.get("errcode") or 0)
        if errcode or not body.get("access_token"):
            log.error("wechat access_token refused: errcode %s", errcode)
            raise WechatApiError(errcode, str(body.get("errmsg", "")))
        return str(body["access_token"]), int(body.get("expires_in") or 7200)


class WechatTemplateSender:
    """Real template messages through `/cgi-bin/message/template/send`."""

    def __init__(self, *, tokens: AccessTokenProvider, api_url: str = DEFAULT_API_URL, timeout: float = 5.0):
        self.tokens = tokens
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> WechatTemplateSender:
        api_url = pmip_settings().wechat_api_url
        tokens = AccessTokenProvider(
            app_id=_app_id(),
            app_secret=_app_secret(),
            api_url=api_url,
            timeout=_timeout(),
            endpoint=pmip_settings().wechat_token_endpoint,
            margin=int(pmip_settings().wechat_token_margin),
        )
        return cls(tokens=tokens, api_url=api_url, timeout=_timeout())

    def _post(self, token: str, message: TemplateMessage) -> dict[str, Any]:
        return _request(
            "POST",
            f"{self.api_url}/cgi-bin/message/template/send",
            what="message/template/send",
            timeout=self.timeout,
            params={"access_token": token},
            content=json.dumps(message.payload(), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    def send(self, message: TemplateMessage) -> str:
        token = self.tokens.get()
        body = self._post(token, message)
        errcode = int(body.get("errcode") or 0)
        if errcode in _TOKEN_ERRCODES:
            log.info("wechat access_token refused (%s); refreshing once", errcode)
            token = self.tokens.get(stale=token)
            body = self._post(token, message)
            errcode = int(body.get("errcode") or 0)
        if errcode:
            log.warning("wechat template %s not sent: errcode %s", message.template_id, errcode)
            raise WechatApiError(errcode, str(body.get("errmsg", "")))
        return str(body.get("msgid", ""))


def get_template_sender() -> TemplateSender:
    """`PMIP_WECHAT_MESSAGE_BACKEND`: "embedded" (default) or "wechat"."""
    name = pmip_settings().wechat_message_backend
    if name == "embedded":
        return EmbeddedTemplateSender()
    if name == "wechat":
        return WechatTemplateSender.from_settings()
    raise ImproperlyConfigured(f"unknown PMIP_WECHAT_MESSAGE_BACKEND {name!r}")
