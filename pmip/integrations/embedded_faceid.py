"""Embedded stand-in for face verification (人脸核身), the default backend (`PMIP_FACEID_BACKEND="embedded"`).

Same flow as Tencent FaceID's H5 verification:

1. `start(name, id_number, redirect_url)` opens a verification and returns a token and the URL of a local page
   (`PMIP_FACEID_STANDIN_URL`, default `/me/faceid-standin/verify`, with `?token=…`);
2. the page offers 通过 / 不通过 / 本设备不支持 (a developer plays the owner's face); `finish()` records the choice
   and gives the URL to send the browser back to: `redirect_url` with `token=…` appended, as the provider does;
3. `result(token)` is the server-to-server query, the only thing the platform trusts. It answers like the real
   adapter: not finished yet (`completed=False`, code 17), passed (code 0, similarity 95.00), failed (code 2016,
   similarity below the threshold) or device unsupported (code 3001, "该浏览器不支持视频录制", which the real H5
   flow reports when the browser cannot record video).

Only masked name and ID number are kept (for the page to show whom it is verifying); no image exists at all.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from pmip.core import clock
from pmip.core.conf import pmip_settings
from pmip.core.masking import mask_id, mask_name
from pmip.integrations.embedded_wechat import StandinStore
from pmip.integrations.faceid import FaceResult, FaceSession, FaceSessionExpired

DEFAULT_STANDIN_URL = "/me/faceid-standin/verify"
TOKEN_TTL_SECONDS = 30 * 60

OUTCOMES: dict[str, dict[str, Any]] = {
    "pass": {"code": "0", "message": "成功", "score": Decimal("95.00"), "passed": True},
    "fail": {
        "code": "2016",
        "message": "无法判断为同一人，请确认身份后重试",
        "score": Decimal("41.50"),
        "passed": False,
    },
    "unsupported": {"code": "3001", "message": "该浏览器不支持视频录制", "score": None, "passed": False},
}

_flows = StandinStore("face_flows")


class EmbeddedFaceVerifier:
    """`FaceVerifier` played by the local stand-in page."""

    provider = "embedded"

    def start(self, name: str, id_number: str, redirect_url: str) -> FaceSession:
        token = secrets.token_hex(16)
        _flows.put(
            token,
            {
                "redirect_url": redirect_url,
                "name_masked": mask_name(name),
                "id_masked": mask_id(id_number),
                "outcome": None,
                "finished_at": None,
            },
            ttl=TOKEN_TTL_SECONDS,
        )
        page = pmip_settings().faceid_standin_url
        return FaceSession(token=token, url=f"{page}?token={token}")

    def result(self, token: str) -> FaceResult:
        flow = _flows.get(token)
        if flow is None:
            raise FaceSessionExpired()
        outcome = OUTCOMES.get(flow.get("outcome") or "")
        if outcome is None:
            return FaceResult(
                transaction_id=token,
                completed=False,
                passed=False,
                score=None,
                verified_at=None,
                error_code="17",
                error_message="本次流程未完成",
                detail={"ErrCode": 17, "ErrMsg": "本次流程未完成"},
            )
        finished = dt.datetime.fromtimestamp(flow["finished_at"], tz=dt.UTC)
        return FaceResult(
            transaction_id=token,
            completed=True,
            passed=outcome["passed"],
            score=outcome["score"],
            verified_at=finished,
            error_code=outcome["code"],
            error_message=outcome["message"],
            detail={"ErrCode": int(outcome["code"]), "ErrMsg": outcome["message"]},
        )


def describe(token: str) -> dict[str, Any] | None:
    """What the stand-in page shows for an open verification (masked holder), or None if unknown/expired/done."""
    flow = _flows.get(token) if token else None
    if flow is None or flow.get("outcome"):
        return None
    return {"name_masked": flow["name_masked"], "id_masked": flow["id_masked"]}


def finish(token: str, outcome: str) -> str | None:
    """Record the developer's choice once; return where to send the browser (None if the token is not open)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    flow = _flows.get(token) if token else None
    if flow is None or flow.get("outcome"):
        return None
    flow["outcome"] = outcome
    flow["finished_at"] = clock.now().timestamp()
    _flows.put(token, flow, ttl=TOKEN_TTL_SECONDS)
    url = flow["redirect_url"]
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}token={token}"
