"""Embedded stand-in for WeChat web authorisation (网页授权, scope `snsapi_base`), the default backend.

It plays WeChat's part with the same protocol as `WechatOAuthClient`:

1. `authorize_url()` points at a local page (`PMIP_WECHAT_STANDIN_URL`, default `/me/wechat-standin/authorize`)
   with WeChat's parameters (appid, redirect_uri, response_type=code, scope=snsapi_base, state, #wechat_redirect).
2. The page asks the developer for a test user name (and whether to act as a snapshot-mode user), calls
   `issue_code()`, and redirects to `redirect_uri?code=…&state=…` exactly as WeChat does.
3. `exchange()` answers what `/sns/oauth2/access_token` answers — the same JSON shape, including
   `{"errcode": 40029, "errmsg": "invalid code"}` for an unknown or already used code — and
   `EmbeddedWechatOAuth.exchange_code()` turns it into a `WechatIdentity`, refusing snapshot users.

The openid is derived from the typed name with a keyed hash, so the same name always gives the same account (demo
log-ins are repeatable) and nobody can choose an openid directly. Codes live five minutes and work once.

State is kept in small files under `PMIP_STANDIN_DIR` (default `VAR_DIR/standins`), not in process memory, so the
stand-in works with several web workers and without Redis. Nothing sensitive is written there.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils.crypto import salted_hmac

from pmip.core.conf import pmip_settings
from pmip.integrations.wechat import (
    _BUSY_ERRCODES,
    _OAUTH_MESSAGES,
    WechatAuthError,
    WechatIdentity,
    WechatUnavailable,
    check_state,
    reject_snapshot_user,
)

log = logging.getLogger(__name__)

APP_ID = "wxpmipembedded00"
CODE_TTL_SECONDS = 300
DEFAULT_STANDIN_URL = "/me/wechat-standin/authorize"
NAME_MAX = 30
_KEY = re.compile(r"[A-Za-z0-9_\-]{8,128}")


class StandinStore:
    """A tiny file-backed key → JSON store shared by every worker process of one machine.

    `take()` is atomic (rename, then read): of two concurrent takers only one gets the value. Entries carry their own
    expiry; expired files are swept now and then.
    """

    SWEEP_AFTER_SECONDS = 24 * 3600

    def __init__(self, namespace: str):
        if not re.fullmatch(r"[a-z_]+", namespace):
            raise ValueError("namespace must be lower-case letters")
        self.namespace = namespace

    @property
    def directory(self) -> Path:
        base = pmip_settings().standin_dir or Path(settings.VAR_DIR) / "standins"
        path = Path(base) / self.namespace
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key or ""):
            raise KeyError(key)
        return self.directory / f"{key}.json"

    def put(self, key: str, value: dict[str, Any], *, ttl: int) -> None:
        path = self._path(key)
        body = json.dumps({"expires": time.time() + ttl, "value": value}, ensure_ascii=False)
        tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, path)
        self._sweep()

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            path = self._path(key)
            data = json.loads(path.read_text(encoding="utf-8"))
        except (KeyError, OSError, ValueError):
            return None
        if data.get("expires", 0) <= time.time():
            return None
        return data.get("value")

    def take(self, key: str) -> tuple[str, dict[str, Any] | None]:
        """Remove and return the entry: ("ok", value), ("expired", None) or ("missing", None)."""
        try:
            path = self._path(key)
        except KeyError:
            return "missing", None
        claimed = path.with_suffix(f".{secrets.token_hex(4)}.taken")
        try:
            os.rename(path, claimed)
        except OSError:
            return "missing", None
        try:
            data = json.loads(claimed.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "missing", None
        finally:
            claimed.unlink(missing_ok=True)
        if data.get("expires", 0) <= time.time():
            return "expired", None
        return "ok", data.get("value")

    def _sweep(self) -> None:
        if secrets.randbelow(20):  # about one write in twenty
            return
        cutoff = time.time() - self.SWEEP_AFTER_SECONDS
        for path in self.directory.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue


_codes = StandinStore("wechat_codes")


def clean_name(name: str) -> str:
    """The test user name typed on the stand-in page: 1–30 visible characters, spaces collapsed."""
    value = " ".join((name or "").split())
    if not value:
        raise ValueError("请输入测试用户名。")
    if len(value) > NAME_MAX:
        raise ValueError(f"测试用户名不能超过{NAME_MAX}个字。")
    return value


def openid_for(name: str) -> str:
    """Deterministic, keyed openid for a test user name (28 characters, like WeChat's)."""
    digest = salted_hmac("pmip.embedded_wechat.openid", clean_name(name), algorithm="sha256").hexdigest()
    return "o" + digest[:27]


def issue_code(*, name: str, snapshot: bool = False) -> str:
    """What the authorise page does when the user agrees: a one-use code for this user, valid five minutes."""
    code = secrets.token_hex(16)
    _codes.put(
        code, {"openid": openid_for(name), "is_snapshotuser": 1 if snapshot else 0}, ttl=CODE_TTL_SECONDS
    )
    return code


def exchange(code: str) -> dict[str, Any]:
    """The answer of `GET /sns/oauth2/access_token` for this code (a dict with WeChat's JSON fields)."""
    if not code:
        return {"errcode": 41008, "errmsg": "missing code"}
    outcome, value = _codes.take(code)
    if outcome == "expired":
        return {"errcode": 42003, "errmsg": "code expired"}
    if value is None:
        return {"errcode": 40029, "errmsg": "invalid code"}
    return {
        "access_token": secrets.token_hex(24),
        "expires_in": 7200,
        "refresh_token": secrets.token_hex(24),
        "openid": value["openid"],
        "scope": "snsapi_base",
        "is_snapshotuser": value["is_snapshotuser"],
    }


def redirect_target(redirect_uri: str, *, code: str, state: str) -> str:
    """`redirect_uri` with `code` and `state` appended, as WeChat builds it."""
    separator = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{separator}code={quote(code, safe='')}&state={quote(check_state(state), safe='')}"


class EmbeddedWechatOAuth:
    """`WechatOAuth` played by the local stand-in page."""

    app_id = APP_ID

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        page = pmip_settings().wechat_standin_url
        return (
            f"{page}?appid={self.app_id}&redirect_uri={quote(redirect_uri, safe='')}&response_type=code"
            f"&scope=snsapi_base&state={check_state(state)}#wechat_redirect"
        )

    def exchange_code(self, code: str) -> WechatIdentity:
        body = exchange(code)
        errcode = int(body.get("errcode") or 0)
        if errcode:
            log.info("embedded wechat oauth errcode %s", errcode)
            if errcode in _BUSY_ERRCODES:
                raise WechatUnavailable()
            raise WechatAuthError(
                _OAUTH_MESSAGES.get(errcode, f"微信授权失败（错误码{errcode}），请返回后重新进入页面。"),
                errcode=errcode,
            )
        identity = WechatIdentity(
            openid=str(body["openid"]),
            is_snapshotuser=bool(int(body.get("is_snapshotuser") or 0)),
            scope=str(body.get("scope") or "snsapi_base"),
        )
        return reject_snapshot_user(identity)
