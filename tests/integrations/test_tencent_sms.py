"""Tencent Cloud SendSms through the SmsBackend interface, against a fake SMS endpoint."""

from __future__ import annotations

import pytest

from pmip.integrations import sms
from pmip.integrations.sms import SmsMessage, SmsSendError
from pmip.integrations.tencent_sms import TencentSmsBackend, parse_template_ids
from tests.integrations.fakes import FakeSms


@pytest.fixture
def fake_sms(settings):
    with FakeSms(templates={"1234567": 2}) as fake:
        settings.PMIP_SMS_BACKEND = "tencent"
        settings.PMIP_TENCENTCLOUD_SECRET_ID = fake.secret_id
        settings.PMIP_TENCENTCLOUD_SECRET_KEY = fake.secret_key
        settings.PMIP_TENCENT_SMS_URL = fake.url
        settings.PMIP_TENCENT_SMS_REGION = "ap-guangzhou"
        settings.PMIP_TENCENT_SMS_SDK_APP_ID = fake.sdk_app_id
        settings.PMIP_TENCENT_SMS_SIGN_NAME = fake.sign_name
        settings.PMIP_TENCENT_SMS_TEMPLATE_IDS = "verification_code:1234567"
        yield fake


def test_send_sms_goes_through_tencent_with_positional_parameters(fake_sms):
    serial = sms.send_sms(
        mobile="+8613812345678", template="verification_code", params={"code": "482913", "minutes": "5"}
    )
    assert serial == "2645:0000000001"
    assert fake_sms.calls == [
        (
            "SendSms",
            {
                "PhoneNumberSet": ["+8613812345678"],
                "SmsSdkAppId": "1400000001",
                "SignName": "深圳物业",
                "TemplateId": "1234567",
                "TemplateParamSet": ["482913", "5"],
            },
        )
    ]
    request = fake_sms.requests[-1]
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.headers["x-tc-version"] == "2021-01-11"


def test_a_refused_number_raises_sms_send_error(fake_sms):
    fake_sms.limited.add("+8613812345678")
    with pytest.raises(SmsSendError) as caught:
        sms.send_sms(
            mobile="+8613812345678", template="verification_code", params={"code": "1", "minutes": "5"}
        )
    assert str(caught.value) == "LimitExceeded.PhoneNumberDailyLimit: 单个手机号日下发短信条数超过设定的上限"
    assert fake_sms.delivered == []


def test_an_invalid_number_raises_sms_send_error(fake_sms):
    with pytest.raises(SmsSendError) as caught:
        sms.send_sms(
            mobile="+85261234567", template="verification_code", params={"code": "1", "minutes": "5"}
        )
    assert str(caught.value).startswith("InvalidParameterValue.IncorrectPhoneNumber")


def test_a_request_level_error_raises_sms_send_error(fake_sms, settings):
    settings.PMIP_TENCENT_SMS_SIGN_NAME = "未审批签名"
    with pytest.raises(SmsSendError) as caught:
        sms.send_sms(
            mobile="+8613812345678", template="verification_code", params={"code": "1", "minutes": "5"}
        )
    assert str(caught.value) == "FailedOperation.SignatureIncorrectOrUnapproved: 签名未审批或格式错误。"
    assert fake_sms.delivered == []


def test_an_unconfigured_template_is_not_sent(fake_sms):
    backend = TencentSmsBackend.from_settings()
    with pytest.raises(SmsSendError):
        backend.send(SmsMessage(mobile="+8613812345678", template="other", params={}, text="x"))
    assert fake_sms.requests == []


def test_a_missing_parameter_is_not_sent(fake_sms):
    backend = TencentSmsBackend.from_settings()
    with pytest.raises(SmsSendError):
        backend.send(
            SmsMessage(mobile="+8613812345678", template="verification_code", params={"code": "1"}, text="x")
        )
    assert fake_sms.requests == []


def test_an_unreachable_provider_raises_sms_send_error(fake_sms, settings):
    fake_sms.stop()
    with pytest.raises(SmsSendError):
        sms.send_sms(
            mobile="+8613812345678", template="verification_code", params={"code": "1", "minutes": "5"}
        )


def test_template_ids_parse_from_the_environment_form():
    assert parse_template_ids("verification_code:1234567, notice:7654321,broken") == {
        "verification_code": "1234567",
        "notice": "7654321",
    }
    assert parse_template_ids({"a": 1}) == {"a": "1"}
