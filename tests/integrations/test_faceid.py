"""Tencent FaceID (DetectAuth / GetDetectInfoEnhanced) against a fake endpoint that checks TC3 signatures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmip.core.errors import ValidationFailed
from pmip.integrations import faceid
from pmip.integrations.faceid import (
    FaceResult,
    FaceSession,
    FaceSessionExpired,
    FaceVerificationUnavailable,
    TencentFaceVerifier,
)
from tests.factories import mainland_id
from tests.integrations.fakes import FakeFaceId

ID = mainland_id(7)
REDIRECT = "https://pmip.example/portal/face/return?binding=42"
REQ_TIME_MS = 1767225600123  # 2026-01-01T00:00:00.123Z


@pytest.fixture
def configure(settings):
    def _configure(fake: FakeFaceId) -> TencentFaceVerifier:
        settings.PMIP_FACEID_BACKEND = "tencent"
        settings.PMIP_FACEID_URL = fake.url
        settings.PMIP_FACEID_RULE_ID = fake.rule_id
        settings.PMIP_FACEID_MIN_SCORE = "70"
        settings.PMIP_TENCENTCLOUD_SECRET_ID = fake.secret_id
        settings.PMIP_TENCENTCLOUD_SECRET_KEY = fake.secret_key
        return faceid.get_face_verifier()

    return _configure


def test_start_sends_detect_auth_and_returns_the_session(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        base = fake.url
    [token] = fake.flows
    assert session == FaceSession(token=token, url=f"{base}/h5/verify?token={token}")
    assert fake.calls == [
        ("DetectAuth", {"RuleId": "3", "IdCard": ID, "Name": "张三", "RedirectUrl": REDIRECT})
    ]


def test_result_asks_for_text_only_and_reports_a_pass(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        fake.finish(session.token, err_code=0, err_msg="成功", sim="92.35", req_time_ms=REQ_TIME_MS)
        result = verifier.result(session.token)
    assert fake.calls[-1] == (
        "GetDetectInfoEnhanced",
        {"BizToken": session.token, "RuleId": "3", "InfoType": "1"},
    )
    assert result == FaceResult(
        transaction_id=session.token,
        completed=True,
        passed=True,
        score=Decimal("92.35"),
        verified_at=dt.datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=dt.UTC),
        error_code="0",
        error_message="成功",
        detail={
            "ErrCode": 0,
            "ErrMsg": "成功",
            "LiveStatus": 0,
            "LiveMsg": "成功",
            "Comparestatus": 0,
            "Comparemsg": "成功",
            "Sim": "92.35",
            "LivenessMode": 3,
            "RequestId": result.detail["RequestId"],
        },
    )


def test_images_video_and_personal_fields_never_leave_the_adapter(configure):
    with FakeFaceId(rule_id="3", media_regardless=True) as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        fake.finish(session.token, err_code=0, err_msg="成功", sim="88.00", req_time_ms=REQ_TIME_MS)
        result = verifier.result(session.token)
        sent = fake.replies[-1].body["Response"]
    assert result.passed is True
    assert set(result.detail) == {
        "ErrCode",
        "ErrMsg",
        "LiveStatus",
        "LiveMsg",
        "Comparestatus",
        "Comparemsg",
        "Sim",
        "LivenessMode",
        "RequestId",
    }
    text = repr(result)
    for leaked in (FakeFaceId.IMAGE[:40], FakeFaceId.VIDEO[:40], ID, "张三", "22.543096"):
        assert leaked not in text
    # The fake did send media and personal data; the adapter dropped them.
    assert sent["BestFrame"]["BestFrame"] == FakeFaceId.IMAGE
    assert sent["VideoData"]["LivenessVideo"] == FakeFaceId.VIDEO
    assert sent["Text"]["IdCard"] == ID


def test_a_low_score_does_not_pass_even_when_the_provider_says_success(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        fake.finish(session.token, err_code=0, err_msg="成功", sim="65.10", req_time_ms=REQ_TIME_MS)
        result = verifier.result(session.token)
    assert (result.completed, result.passed, result.score) == (True, False, Decimal("65.10"))
    assert (result.error_code, result.error_message) == ("low_score", "比对相似度未达到通过标准。")


def test_a_provider_failure_is_reported_as_not_passed(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        fake.finish(
            session.token,
            err_code=2016,
            err_msg="无法判断为同一人，请确认身份后重试（相似度未达到通过阈值）",
            sim="41.00",
            req_time_ms=REQ_TIME_MS,
        )
        result = verifier.result(session.token)
    assert (result.completed, result.passed, result.score, result.error_code) == (
        True,
        False,
        Decimal("41.00"),
        "2016",
    )
    assert result.error_message == "无法判断为同一人，请确认身份后重试（相似度未达到通过阈值）"


def test_an_unfinished_verification_is_not_completed(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        session = verifier.start("张三", ID, REDIRECT)
        result = verifier.result(session.token)
    assert (result.completed, result.passed, result.score, result.verified_at) == (False, False, None, None)
    assert result.error_code == "17"


def test_an_unknown_token_is_expired(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        with pytest.raises(FaceSessionExpired):
            verifier.result("00000000-0000-0000-0000-000000000000")


def test_a_name_and_id_mismatch_at_start_is_a_validation_error(configure):
    with FakeFaceId(rule_id="3") as fake:
        verifier = configure(fake)
        fake.start_error = ("FailedOperation.IdNameMisMatch", "姓名和身份证号不一致，请核实后重试。")
        with pytest.raises(ValidationFailed) as caught:
            verifier.start("张三", ID, REDIRECT)
    assert caught.value.message == "姓名和身份证号码不一致，请核对后重新输入。"
    assert fake.flows == {}


def test_a_wrong_rule_or_signature_is_unavailable_not_an_owner_error(configure, settings):
    with FakeFaceId(rule_id="3") as fake:
        configure(fake)
        settings.PMIP_FACEID_RULE_ID = "9"
        with pytest.raises(FaceVerificationUnavailable):
            faceid.get_face_verifier().start("张三", ID, REDIRECT)
        settings.PMIP_FACEID_RULE_ID = "3"
        settings.PMIP_TENCENTCLOUD_SECRET_KEY = "wrong"
        with pytest.raises(FaceVerificationUnavailable):
            faceid.get_face_verifier().start("张三", ID, REDIRECT)
    assert fake.flows == {}


def test_a_slow_provider_is_unavailable(configure, settings):
    class SlowFaceId(FakeFaceId):
        def action_DetectAuth(self, params):
            import time

            time.sleep(1.0)
            return super().action_DetectAuth(params)

    with SlowFaceId(rule_id="3") as fake:
        configure(fake)
        settings.PMIP_TENCENTCLOUD_TIMEOUT = 0.3
        with pytest.raises(FaceVerificationUnavailable):
            faceid.get_face_verifier().start("张三", ID, REDIRECT)
