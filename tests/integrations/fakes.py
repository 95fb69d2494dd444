"""Local fake servers that speak the providers' protocols, for testing the real adapters end to end.

Each fake is an `http.server` on 127.0.0.1 (port 0) in a daemon thread. It checks requests the way the provider
does (paths, query and body fields, credentials, Tencent Cloud TC3 signatures recomputed with the test secret) and
answers in the provider's JSON shapes, errors included. Every request is recorded in `.requests`.

The TC3 signature check below is written independently of pmip.integrations.tencent_cloud on purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _handle(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Recorded(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        with fake.lock:
            fake.requests.append(request)
        reply = fake.handle(request)
        with fake.lock:
            fake.replies.append(reply)
        payload = b""
        if reply.body is not None:
            payload = (
                reply.body
                if isinstance(reply.body, bytes)
                else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            )
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.body is not None and not isinstance(reply.body, bytes):
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

    do_GET = _handle
    do_POST = _handle


class FakeServer:
    def __init__(self):
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def handle(self, request: Recorded) -> Reply:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests_to(self, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


# --------------------------------------------------------------------------------------------------- WeChat


class FakeWechat(FakeServer):
    """open.weixin.qq.com + api.weixin.qq.com on one port: authorise page, code exchange, tokens, template send."""

    def __init__(
        self, *, app_id: str = "wxtest0001", app_secret: str = "test-app-secret", expires_in: int = 7200
    ):
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.expires_in = expires_in
        self.codes: dict[str, dict[str, Any]] = {}
        self.used_codes: set[str] = set()
        self.current_token: str | None = None
        self.tokens_issued = 0
        self.always_reject_token = False
        self.send_errcode: int | None = None  # force an errcode from template/send
        self.delivered: list[dict[str, Any]] = []
        self._msgids = itertools.count(1000)
        self._dedupe: dict[tuple[str, str], int] = {}
        self.next_user: dict[str, Any] = {"openid": "o-default", "is_snapshotuser": 0}

    def add_code(self, code: str, openid: str, *, snapshot: bool = False):
        self.codes[code] = {"openid": openid, "is_snapshotuser": 1 if snapshot else 0}

    def expire_token(self):
        """WeChat invalidated the token (expiry, or someone else fetched a new one with /cgi-bin/token)."""
        self.current_token = None

    @staticmethod
    def _err(errcode: int, errmsg: str) -> Reply:
        return Reply(body={"errcode": errcode, "errmsg": errmsg})

    def _issue_token(self) -> str:
        self.tokens_issued += 1
        self.current_token = f"ACCESS_TOKEN_{self.tokens_issued}_{uuid.uuid4().hex[:8]}"
        return self.current_token

    def handle(self, request: Recorded) -> Reply:
        route = {
            ("GET", "/connect/oauth2/authorize"): self._authorize,
            ("GET", "/sns/oauth2/access_token"): self._oauth_token,
            ("GET", "/cgi-bin/token"): self._token,
            ("POST", "/cgi-bin/stable_token"): self._stable_token,
            ("POST", "/cgi-bin/message/template/send"): self._template_send,
        }.get((request.method, request.path))
        if route is None:
            return Reply(status=404, body=b"not found")
        return route(request)

    def _authorize(self, request: Recorded) -> Reply:
        q = request.query
        if q.get("appid") != self.app_id:
            return Reply(status=200, body=b"<html>appid invalid</html>")
        if q.get("response_type") != "code" or q.get("scope") not in {"snsapi_base", "snsapi_userinfo"}:
            return Reply(status=200, body=b"<html>scope invalid</html>")
        code = uuid.uuid4().hex
        self.codes[code] = dict(self.next_user)
        location = q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?")
        location += urlencode({"code": code, "state": q.get("state", "")})
        return Reply(status=302, headers={"Location": location})

    def _oauth_token(self, request: Recorded) -> Reply:
        q = request.query
        if q.get("appid") != self.app_id:
            return self._err(40013, "invalid appid")
        if q.get("secret") != self.app_secret:
            return self._err(40125, "invalid appsecret")
        if q.get("grant_type") != "authorization_code":
            return self._err(40002, "invalid grant_type")
        code = q.get("code", "")
        if not code:
            return self._err(41008, "missing code")
        if code in self.used_codes:
            return self._err(40163, "code been used")
        if code not in self.codes:
            return self._err(40029, "invalid code")
        self.used_codes.add(code)
        user = self.codes[code]
        body = {
            "access_token": "WEB_ACCESS_TOKEN_" + code[:6],
            "expires_in": 7200,
            "refresh_token": "REFRESH_" + code[:6],
            "openid": user["openid"],
            "scope": "snsapi_base",
        }
        if user.get("is_snapshotuser"):
            body["is_snapshotuser"] = 1
        return Reply(body=body)

    def _credentials_error(self, appid: str | None, secret: str | None) -> Reply | None:
        if appid != self.app_id:
            return self._err(40013, "invalid appid")
        if secret != self.app_secret:
            return self._err(40125, "invalid appsecret")
        return None

    def _token(self, request: Recorded) -> Reply:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return self._err(40002, "invalid grant_type")
        error = self._credentials_error(q.get("appid"), q.get("secret"))
        if error:
            return error
        return Reply(body={"access_token": self._issue_token(), "expires_in": self.expires_in})

    def _stable_token(self, request: Recorded) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return self._err(47001, "data format error")
        if body.get("grant_type") != "client_credential":
            return self._err(40002, "invalid grant_type")
        error = self._credentials_error(body.get("appid"), body.get("secret"))
        if error:
            return error
        token = self.current_token
        if body.get("force_refresh") or token is None:
            token = self._issue_token()
        return Reply(body={"access_token": token, "expires_in": self.expires_in})

    def _template_send(self, request: Recorded) -> Reply:
        token = request.query.get("access_token")
        if not token:
            return self._err(41001, "access_token missing")
        if self.always_reject_token or token != self.current_token:
            return self._err(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = request.json()
        except ValueError:
            return self._err(47001, "data format error")
        if not body.get("touser"):
            return self._err(40003, "invalid openid")
        if not body.get("template_id"):
            return self._err(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict):
            return self._err(47003, "argument invalid! data")
        for key, item in data.items():
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                return self._err(47003, f"argument invalid! data.{key}.value empty")
            if key.startswith("thing") and len(item["value"]) > 20:
                return self._err(47003, f"argument invalid! data.{key}.value exceed limit")
        if self.send_errcode is not None:
            return self._err(self.send_errcode, "forced error")
        dedupe_key = (body["touser"], body.get("client_msg_id", ""))
        if body.get("client_msg_id") and dedupe_key in self._dedupe:
            return Reply(body={"errcode": 0, "errmsg": "ok", "msgid": self._dedupe[dedupe_key]})
        msgid = next(self._msgids)
        if body.get("client_msg_id"):
            self._dedupe[dedupe_key] = msgid
        self.delivered.append(body)
        return Reply(body={"errcode": 0, "errmsg": "ok", "msgid": msgid})


# --------------------------------------------------------------------------------------------------- Tencent Cloud


def tc3_expected_signature(
    *, secret_key: str, service: str, timestamp: int, headers: dict[str, str], signed: list[str], body: bytes
) -> str:
    """Independent TC3-HMAC-SHA256 computation from the received request (POST /, empty query)."""
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical = (
        "POST\n/\n\n" + canonical_headers + "\n" + ";".join(signed) + "\n" + hashlib.sha256(body).hexdigest()
    )
    date = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date().isoformat()
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    key = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, service.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


_AUTH = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;\-]+), Signature=(?P<sig>[0-9a-f]{64})"
)


class FakeTencentCloud(FakeServer):
    """API 3.0 front door: checks the common headers and the TC3 signature, then calls `action_<Name>(params)`."""

    service = ""
    version = ""
    needs_region = False

    def __init__(self, *, secret_id: str = "AKIDtestSECRETID", secret_key: str = "test-secret-key"):
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def error(code: str, message: str) -> Reply:
        return Reply(
            body={"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}
        )

    @staticmethod
    def ok(**fields: Any) -> Reply:
        return Reply(body={"Response": {**fields, "RequestId": str(uuid.uuid4())}})

    def _check(self, request: Recorded) -> Reply | None:
        h = request.headers
        if request.method != "POST" or request.path != "/":
            return Reply(status=404, body=b"not found")
        if not h.get("content-type", "").startswith("application/json"):
            return self.error("InvalidParameter", "Content-Type must be application/json")
        if h.get("x-tc-version") != self.version:
            return self.error("NoSuchVersion", f"version {h.get('x-tc-version')!r} does not exist")
        if not h.get("x-tc-action"):
            return self.error("MissingParameter", "X-TC-Action is missing")
        if self.needs_region and not h.get("x-tc-region"):
            return self.error("MissingParameter", "The request is missing a required parameter `Region`.")
        try:
            timestamp = int(h.get("x-tc-timestamp", ""))
        except ValueError:
            return self.error("MissingParameter", "X-TC-Timestamp is missing")
        if abs(time.time() - timestamp) > 300:
            return self.error("AuthFailure.SignatureExpire", "signature expired")
        match = _AUTH.fullmatch(h.get("authorization", ""))
        if not match:
            return self.error("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        if match["id"] != self.secret_id:
            return self.error("AuthFailure.SecretIdNotFound", "SecretId not found")
        date = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date().isoformat()
        if match["date"] != date or match["service"] != self.service:
            return self.error("AuthFailure.InvalidAuthorization", "credential scope does not match")
        signed = match["signed"].split(";")
        if "content-type" not in signed or "host" not in signed or any(name not in h for name in signed):
            return self.error(
                "AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type;host"
            )
        expected = tc3_expected_signature(
            secret_key=self.secret_key,
            service=self.service,
            timestamp=timestamp,
            headers=h,
            signed=signed,
            body=request.body,
        )
        if not hmac.compare_digest(expected, match["sig"]):
            return self.error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        return None

    def handle(self, request: Recorded) -> Reply:
        problem = self._check(request)
        if problem is not None:
            return problem
        try:
            params = request.json()
        except ValueError:
            return self.error("InvalidParameter", "body is not JSON")
        action = request.headers["x-tc-action"]
        with self.lock:
            self.calls.append((action, params))
        method = getattr(self, f"action_{action}", None)
        if method is None:
            return self.error("InvalidAction", f"action {action} not found")
        return method(params)


@dataclass
class _FaceFlow:
    name: str
    id_card: str
    redirect_url: str
    err_code: int | None = None
    err_msg: str | None = None
    sim: str | None = None
    req_time_ms: int | None = None


class FakeFaceId(FakeTencentCloud):
    """DetectAuth / GetDetectInfoEnhanced. `finish(token, …)` plays the owner finishing on Tencent's page."""

    service = "faceid"
    version = "2018-03-01"

    # A few KB of "base64 image" so a leak would be obvious.
    IMAGE = "/9j/4AAQSkZJRgABAQAAAQABAAD" + "A" * 4000
    VIDEO = "AAAAGGZ0eXBtcDQy" + "B" * 4000

    def __init__(self, *, rule_id: str = "1", media_regardless: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.rule_id = rule_id
        self.media_regardless = media_regardless  # misbehave: send images even when InfoType excludes them
        self.flows: dict[str, _FaceFlow] = {}
        self.start_error: tuple[str, str] | None = None

    def finish(self, token: str, *, err_code: int, err_msg: str, sim: str | None, req_time_ms: int):
        flow = self.flows[token]
        flow.err_code, flow.err_msg, flow.sim, flow.req_time_ms = err_code, err_msg, sim, req_time_ms

    def action_DetectAuth(self, params: dict[str, Any]) -> Reply:
        if not params.get("RuleId"):
            return self.error("MissingParameter", "RuleId is missing")
        if params["RuleId"] != self.rule_id:
            return self.error(
                "InvalidParameterValue.RuleIdNotExist", "RuleId不存在，请到人脸核身控制台申请。"
            )
        if self.start_error:
            return self.error(*self.start_error)
        for name in ("IdCard", "Name"):
            if not params.get(name):
                return self.error("MissingParameter", f"{name} is missing")
        if "ImageBase64" in params:
            return self.error("InvalidParameter", "unexpected ImageBase64 for this rule")
        token = str(uuid.uuid4()).upper()
        self.flows[token] = _FaceFlow(params["Name"], params["IdCard"], params.get("RedirectUrl", ""))
        return self.ok(Url=f"{self.url}/h5/verify?token={token}", BizToken=token)

    def action_GetDetectInfoEnhanced(self, params: dict[str, Any]) -> Reply:
        if params.get("RuleId") != self.rule_id:
            return self.error(
                "InvalidParameterValue.RuleIdNotExist", "RuleId不存在，请到人脸核身控制台申请。"
            )
        flow = self.flows.get(params.get("BizToken", ""))
        if flow is None:
            return self.error("InvalidParameterValue.BizTokenIllegal", "BizToken不合法。")
        info_type = str(params.get("InfoType", "0"))
        wants = (lambda digit: True) if info_type == "0" else (lambda digit: digit in info_type)
        finished = flow.err_code is not None
        text: dict[str, Any] = {
            "ErrCode": flow.err_code if finished else 17,
            "ErrMsg": flow.err_msg if finished else "本次流程未完成",
            "IdCard": flow.id_card,
            "Name": flow.name,
            "OcrNation": None,
            "OcrAddress": None,
            "OcrBirth": None,
            "OcrAuthority": None,
            "OcrValidDate": None,
            "OcrName": flow.name if finished else None,
            "OcrIdCard": flow.id_card if finished else None,
            "OcrGender": None,
            "IdInfoFrom": "其他",
            "LiveStatus": 0 if finished else None,
            "LiveMsg": "成功" if finished else None,
            "Comparestatus": flow.err_code if finished else None,
            "Comparemsg": flow.err_msg if finished else None,
            "Sim": flow.sim,
            "Location": "22.543096,114.057865" if finished else None,
            "Extra": "",
            "LivenessDetail": [
                {
                    "ReqTime": str(flow.req_time_ms),
                    "Seq": str(uuid.uuid4()),
                    "Idcard": flow.id_card,
                    "Name": flow.name,
                    "Sim": flow.sim,
                    "IsNeedCharge": True,
                    "Errcode": flow.err_code,
                    "Errmsg": flow.err_msg,
                    "Livestatus": 0,
                    "Livemsg": "成功",
                    "Comparestatus": flow.err_code,
                    "Comparemsg": flow.err_msg,
                    "CompareLibType": "权威库",
                    "LivenessMode": 3,
                }
            ]
            if finished
            else [],
            "Mobile": "",
            "CompareLibType": "权威库" if finished else None,
            "LivenessMode": 3 if finished else None,
        }
        fields: dict[str, Any] = {"Text": text if wants("1") else None}
        media = self.media_regardless
        fields["IdCardData"] = (
            {"OcrFront": self.IMAGE, "OcrBack": self.IMAGE, "Avatar": self.IMAGE}
            if finished and (media or wants("2"))
            else None
        )
        fields["BestFrame"] = (
            {"BestFrame": self.IMAGE, "BestFrames": [self.IMAGE]}
            if finished and (media or wants("3"))
            else None
        )
        fields["VideoData"] = {"LivenessVideo": self.VIDEO} if finished and (media or wants("4")) else None
        return self.ok(**fields)


class FakeSms(FakeTencentCloud):
    """SendSms 2021-01-11. `templates` maps template id → number of parameters."""

    service = "sms"
    version = "2021-01-11"
    needs_region = True

    def __init__(
        self,
        *,
        sdk_app_id: str = "1400000001",
        sign_name: str = "深圳物业",
        templates: dict[str, int] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.templates = templates if templates is not None else {"1234567": 2}
        self.limited: set[str] = set()  # numbers that hit the daily limit
        self.delivered: list[tuple[str, list[str]]] = []
        self._serial = itertools.count(1)

    def action_SendSms(self, params: dict[str, Any]) -> Reply:
        for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not params.get(name):
                return self.error(
                    "MissingParameter", f"The request is missing a required parameter `{name}`."
                )
        if params["SmsSdkAppId"] != self.sdk_app_id:
            return self.error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist.")
        if params.get("SignName") != self.sign_name:
            return self.error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误。")
        template_id = params["TemplateId"]
        if template_id not in self.templates:
            return self.error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配。")
        template_params = params.get("TemplateParamSet") or []
        if len(template_params) != self.templates[template_id] or not all(
            isinstance(p, str) for p in template_params
        ):
            return self.error(
                "InvalidParameterValue.TemplateParameterFormatError", "验证码模板参数格式错误。"
            )
        statuses = []
        for number in params["PhoneNumberSet"]:
            status = {"PhoneNumber": number, "SessionContext": "", "IsoCode": "CN", "Fee": 0, "SerialNo": ""}
            if not re.fullmatch(r"\+861[3-9]\d{9}", number):
                status.update(Code="InvalidParameterValue.IncorrectPhoneNumber", Message="手机号格式错误")
            elif number in self.limited:
                status.update(
                    Code="LimitExceeded.PhoneNumberDailyLimit",
                    Message="单个手机号日下发短信条数超过设定的上限",
                )
            else:
                serial = f"2645:{next(self._serial):010d}"
                status.update(Code="Ok", Message="send success", Fee=1, SerialNo=serial)
                self.delivered.append((number, list(template_params)))
            statuses.append(status)
        return self.ok(SendStatusSet=statuses)


# --------------------------------------------------------------------------------------------------- title registry


class FakeTitleRegistry(FakeServer):
    """The registry's JSON look-up. `delay` makes it slow; `gate` (an Event) holds requests until set."""

    def __init__(self, *, token: str = "registry-test-token"):
        super().__init__()
        self.token = token
        self.records: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.delay = 0.0
        self.status = 200
        self.raw_body: bytes | None = None
        self.gate: threading.Event | None = None
        self.in_flight = 0
        self.arrived = threading.Semaphore(0)

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/title/lookup":
            return Reply(status=404, body=b"not found")
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(status=401, body={"error": "unauthorized"})
        with self.lock:
            self.in_flight += 1
        self.arrived.release()
        try:
            if self.gate is not None:
                self.gate.wait(10)
            if self.delay:
                time.sleep(self.delay)
            if self.status != 200:
                return Reply(status=self.status, body={"error": "unavailable"})
            if self.raw_body is not None:
                return Reply(body=self.raw_body, headers={"Content-Type": "application/json"})
            body = request.json()
            key = (body.get("name", ""), body.get("id_type", ""), body.get("id_number", ""))
            return Reply(body={"records": self.records.get(key, [])})
        finally:
            with self.lock:
                self.in_flight -= 1
