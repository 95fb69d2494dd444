"""One-time SMS codes: every rule with a frozen clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.identity import otp
from pmip.identity.models import SmsCode, SmsPurpose
from pmip.integrations.sms import EmbeddedSmsBackend

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
MOBILE = "+8613900001234"
OTHER = "+8613900005678"
STAFF = SmsPurpose.STAFF_LOGIN
IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def clean(settings, tmp_path, db):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_SMS_INTERVAL_SECONDS = 60
    settings.PMIP_SMS_DAILY_LIMIT = 10
    settings.PMIP_SMS_IP_HOURLY_LIMIT = 30
    EmbeddedSmsBackend.sent.clear()
    yield
    EmbeddedSmsBackend.sent.clear()


def sent_code(mobile: str = MOBILE) -> str:
    return EmbeddedSmsBackend.last_to(mobile).params["code"]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_send_stores_only_a_hash_and_sends_six_digits():
    with clock.frozen(T0):
        result = otp.send_code(mobile="13900001234", purpose=STAFF, ip=IP)
    code = sent_code()
    assert len(code) == 6 and code.isdigit()
    assert result == otp.SentCode(
        masked_mobile="139****1234", expires_at=T0 + dt.timedelta(minutes=5), resend_after_seconds=60
    )
    row = SmsCode.objects.get()
    assert (row.mobile, row.purpose, row.created_at, row.expires_at) == (
        MOBILE,
        "staff_login",
        T0,
        T0 + dt.timedelta(minutes=5),
    )
    assert (row.attempts, row.used_at, row.superseded) == (0, None, False)
    assert row.code_hash.startswith("v1$")
    assert code not in row.code_hash
    stored = json.dumps(list(SmsCode.objects.values().get().values()), default=str)
    assert code not in stored
    message = EmbeddedSmsBackend.last_to(MOBILE)
    assert message.template == "verification_code"
    assert message.text == f"【深圳物业】您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。"
    entry = AuditEntry.objects.get(action="identity.sms_code.sent")
    assert entry.data == {"purpose": "staff_login", "mobile": "139****1234"}
    assert code not in json.dumps(entry.data) and "13900001234" not in json.dumps(entry.data)


def test_code_is_accepted_once():
    with clock.frozen(T0) as frozen:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        code = sent_code()
        frozen.advance(seconds=30)
        assert otp.verify_code(mobile=MOBILE, purpose=STAFF, code=code) is True
        assert SmsCode.objects.get().used_at == T0 + dt.timedelta(seconds=30)
        with pytest.raises(otp.SmsCodeExpired):
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code=code)


def test_code_valid_until_just_before_five_minutes():
    with clock.frozen(T0) as frozen:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        frozen.advance(seconds=299)
        assert otp.verify_code(mobile=MOBILE, purpose=STAFF, code=sent_code()) is True


def test_code_expires_at_exactly_five_minutes():
    with clock.frozen(T0) as frozen:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        frozen.advance(seconds=300)
        with pytest.raises(otp.SmsCodeExpired) as exc:
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code=sent_code())
    assert exc.value.message == "验证码已失效，请重新获取。"
    row = SmsCode.objects.get()
    assert (row.used_at, row.attempts) == (None, 0)


def test_five_wrong_tries_burn_the_code():
    with clock.frozen(T0):
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        code = sent_code()
        wrong = other_code(code)
        messages = []
        for _ in range(4):
            with pytest.raises(otp.SmsCodeWrong) as exc:
                otp.verify_code(mobile=MOBILE, purpose=STAFF, code=wrong)
            messages.append(exc.value.message)
        with pytest.raises(otp.SmsCodeLocked):
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code=wrong)
        with pytest.raises(otp.SmsCodeLocked):
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code=code)  # even the right code
    assert messages == [
        "验证码错误，还可尝试4次。",
        "验证码错误，还可尝试3次。",
        "验证码错误，还可尝试2次。",
        "验证码错误，还可尝试1次。",
    ]
    row = SmsCode.objects.get()
    assert (row.attempts, row.used_at) == (5, None)
    assert AuditEntry.objects.filter(action="identity.sms_code.locked").count() == 1


def test_malformed_entry_does_not_count_as_a_try():
    with clock.frozen(T0):
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        with pytest.raises(otp.SmsCodeWrong) as exc:
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code="12a4")
    assert exc.value.message == "请输入6位数字验证码。"
    assert SmsCode.objects.get().attempts == 0


def test_new_code_supersedes_the_old_one(monkeypatch):
    codes = iter([123456, 654321])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    with clock.frozen(T0) as frozen:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        frozen.advance(seconds=60)
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        assert sent_code() == "654321"
        with pytest.raises(otp.SmsCodeWrong):
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code="123456")
        assert otp.verify_code(mobile=MOBILE, purpose=STAFF, code="654321") is True
    old, new = SmsCode.objects.order_by("created_at")
    assert (old.superseded, old.used_at, old.attempts) == (True, None, 0)
    assert (new.superseded, new.used_at, new.attempts) == (False, T0 + dt.timedelta(seconds=60), 1)


def test_code_is_bound_to_phone_and_purpose():
    with clock.frozen(T0):
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        code = sent_code()
        with pytest.raises(otp.SmsCodeExpired):
            otp.verify_code(mobile=MOBILE, purpose=SmsPurpose.OWNER_LOGIN, code=code)
        with pytest.raises(otp.SmsCodeExpired):
            otp.verify_code(mobile=OTHER, purpose=STAFF, code=code)
        assert otp.verify_code(mobile=MOBILE, purpose=STAFF, code=code) is True


def test_one_code_per_phone_per_sixty_seconds():
    with clock.frozen(T0) as frozen:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        frozen.advance(seconds=59)
        with pytest.raises(otp.SmsTooFrequent) as exc:
            otp.send_code(mobile=MOBILE, purpose=SmsPurpose.OWNER_LOGIN, ip=IP)  # any purpose
        assert exc.value.message == "获取验证码过于频繁，请1秒后再试。"
        assert exc.value.status == 429
        assert SmsCode.objects.count() == 1
        assert len(EmbeddedSmsBackend.sent) == 1
        frozen.advance(seconds=1)
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
    assert SmsCode.objects.count() == 2


def test_ten_codes_per_phone_per_day():
    with clock.frozen(T0) as frozen:
        for _ in range(10):
            otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
            frozen.advance(seconds=60)
        with pytest.raises(otp.SmsDailyLimit) as exc:
            otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        assert exc.value.message == "该手机号今日获取验证码的次数已达上限，请明天再试。"
        assert SmsCode.objects.count() == 10
        assert len(EmbeddedSmsBackend.sent) == 10
        otp.send_code(mobile=OTHER, purpose=STAFF, ip=IP)  # other phones are not affected
        frozen.advance(days=1)
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
    assert SmsCode.objects.filter(mobile=MOBILE).count() == 11


def test_ip_hourly_cap_and_a_refused_send_consumes_nothing(settings):
    settings.PMIP_SMS_IP_HOURLY_LIMIT = 3
    phones = [f"+861390000{n:04d}" for n in range(5)]
    with clock.frozen(T0) as frozen:
        for phone in phones[:3]:
            otp.send_code(mobile=phone, purpose=STAFF, ip=IP)
        with pytest.raises(otp.SmsIpLimit) as exc:
            otp.send_code(mobile=phones[3], purpose=STAFF, ip=IP)
        assert exc.value.message == "当前网络获取验证码过于频繁，请稍后再试。"
        assert SmsCode.objects.count() == 3
        # the refused phone is not throttled by its refused request: another network may send at once
        otp.send_code(mobile=phones[3], purpose=STAFF, ip="198.51.100.1")
        frozen.advance(hours=1)
        otp.send_code(mobile=phones[4], purpose=STAFF, ip=IP)
    assert SmsCode.objects.count() == 5


def test_bad_phone_is_refused_and_nothing_is_written():
    with clock.frozen(T0), pytest.raises(ValidationFailed) as exc:
        otp.send_code(mobile="12345", purpose=STAFF, ip=IP)
    assert exc.value.field == "mobile"
    assert SmsCode.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert len(EmbeddedSmsBackend.sent) == 0


def test_failed_delivery_leaves_no_usable_code(settings):
    settings.PMIP_SMS_BACKEND = "nonexistent"
    with clock.frozen(T0), pytest.raises(otp.SmsSendFailed) as exc:
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
    assert exc.value.status == 503
    assert SmsCode.objects.get().superseded is True


def test_logs_carry_neither_the_code_nor_the_full_phone(caplog):
    caplog.set_level("DEBUG")
    with clock.frozen(T0):
        otp.send_code(mobile=MOBILE, purpose=STAFF, ip=IP)
        code = sent_code()
        with pytest.raises(otp.SmsCodeWrong):
            otp.verify_code(mobile=MOBILE, purpose=STAFF, code=other_code(code))
        otp.verify_code(mobile=MOBILE, purpose=STAFF, code=code)
    assert "139****1234" in caplog.text
    assert code not in caplog.text
    assert "13900001234" not in caplog.text
