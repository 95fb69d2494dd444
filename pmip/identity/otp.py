"""One-time SMS codes (短信验证码), used by staff log-in (second factor) and by owners.

Rules:
- 6 digits from `secrets`; stored only as a salted HMAC (key derived from SECRET_KEY), never in clear.
- Bound to (mobile, purpose); valid for `CODE_TTL` (5 minutes): a code created at T is accepted while now < T+5min,
  refused from T+5min exactly.
- Single use. At most `MAX_WRONG_TRIES` (5) wrong entries, then the code is burned (even the right code is refused).
- Sending a new code supersedes every earlier unused code for the same (mobile, purpose).
- Sending is limited per phone: one per `PMIP_SMS_INTERVAL_SECONDS` (60 s) and `PMIP_SMS_DAILY_LIMIT` (10) per
  Shanghai calendar day; per client IP: `PMIP_SMS_IP_HOURLY_LIMIT` per clock hour; per logged-in account asking:
  `PMIP_SMS_ACCOUNT_DAILY_LIMIT` per day. The counters are `pmip.core.ratelimit` windows in the shared cache (they
  hold across processes and servers); a refused request consumes nothing.
- All times come from `pmip.core.clock` (tests freeze it).
- Neither the code nor the full phone number is logged or written to the audit log (phones are masked).
- `send_code` never looks up whether the phone belongs to anyone: the answer is the same for known and unknown
  phones. Callers that must not send to arbitrary phones (staff log-in) only pass a phone they already trust.

Errors (all `DomainError`): `SmsCodeWrong`, `SmsCodeExpired`, `SmsCodeLocked` (verification);
`SmsTooFrequent`, `SmsDailyLimit`, `SmsIpLimit` (429); `SmsSendFailed` (503); `ValidationFailed` for a bad phone.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from pmip.audit.services import record
from pmip.core import clock, ratelimit
from pmip.core.conf import pmip_settings
from pmip.core.errors import RateLimited, ServiceUnavailable, ValidationFailed
from pmip.core.masking import mask_phone
from pmip.core.phones import normalise_mobile
from pmip.identity.models import SmsCode, SmsPurpose
from pmip.integrations.sms import SmsSendError, send_sms

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=5)
MAX_WRONG_TRIES = 5
CODE_LENGTH = 6
_HASH_SALT = "pmip.identity.otp.v1"


# --- errors -------------------------------------------------------------------------------------------------


class SmsCodeError(ValidationFailed):
    """A code that cannot be accepted. `field` is 'code' so forms can attach it."""

    code = "sms_code_invalid"

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("field", "code")
        super().__init__(message, **kwargs)


class SmsCodeWrong(SmsCodeError):
    code = "sms_code_wrong"


class SmsCodeExpired(SmsCodeError):
    code = "sms_code_expired"

    def __init__(self, message: str = "验证码已失效，请重新获取。", **kwargs):
        super().__init__(message, **kwargs)


class SmsCodeLocked(SmsCodeError):
    code = "sms_code_locked"

    def __init__(self, message: str = "验证码错误次数过多，已失效，请重新获取。", **kwargs):
        super().__init__(message, **kwargs)


class SmsTooFrequent(RateLimited):
    code = "sms_too_frequent"

    def __init__(self, wait_seconds: int):
        super().__init__(f"获取验证码过于频繁，请{wait_seconds}秒后再试。")
        self.retry_after = wait_seconds


class SmsDailyLimit(RateLimited):
    code = "sms_daily_limit"

    def __init__(self):
        super().__init__("该手机号今日获取验证码的次数已达上限，请明天再试。")


class SmsIpLimit(RateLimited):
    code = "sms_ip_limit"

    def __init__(self):
        super().__init__("当前网络获取验证码过于频繁，请稍后再试。")


class SmsSendFailed(ServiceUnavailable):
    code = "sms_send_failed"

    def __init__(self):
        super().__init__("短信发送失败，请稍后再试。")


@dataclass(frozen=True)
class SentCode:
    """What a caller may show: the masked phone, when the code expires, when a new one may be requested."""

    masked_mobile: str
    expires_at: dt.datetime
    resend_after_seconds: int


# --- helpers ------------------------------------------------------------------------------------------------


def _normalise(mobile: str) -> str:
    try:
        return normalise_mobile(mobile)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="mobile") from exc


def _check_purpose(purpose: str) -> str:
    if purpose not in SmsPurpose.values:
        raise ValueError(f"unknown SMS purpose {purpose!r}")
    return purpose


def _hash_code(*, mobile: str, purpose: str, code: str, salt: str) -> str:
    digest = salted_hmac(_HASH_SALT, f"{mobile}|{purpose}|{salt}|{code}", algorithm="sha256").hexdigest()
    return f"v1${salt}${digest}"


def _code_matches(row: SmsCode, code: str) -> bool:
    try:
        _version, salt, _digest = row.code_hash.split("$", 2)
    except ValueError:
        return False
    return constant_time_compare(
        row.code_hash, _hash_code(mobile=row.mobile, purpose=row.purpose, code=code, salt=salt)
    )


class SmsAccountLimit(RateLimited):
    code = "sms_account_limit"

    def __init__(self):
        super().__init__("您的账户今日获取验证码的次数已达上限，请明天再试。")


def _take_send_slot(*, mobile: str, ip: str | None, account_id: int | None) -> None:
    """Apply the send limits (pmip.core.ratelimit); a refused request gives back every slot it took."""
    wait = ratelimit.cooldown("sms.phone", mobile, int(settings.PMIP_SMS_INTERVAL_SECONDS))
    if wait:
        raise SmsTooFrequent(wait)
    checks: list[tuple[str, object, int, int, Callable[[], RateLimited]]] = [
        ("sms.ip.hour", ip or "-", int(settings.PMIP_SMS_IP_HOURLY_LIMIT), 3600, SmsIpLimit),
        ("sms.phone.day", mobile, int(settings.PMIP_SMS_DAILY_LIMIT), 86400, SmsDailyLimit),
    ]
    if account_id is not None:
        limit = pmip_settings().sms_account_daily_limit
        checks.append(("sms.account.day", account_id, limit, 86400, SmsAccountLimit))
    taken: list[tuple[str, object, int]] = []
    for name, ident, limit, window, error in checks:
        if not ratelimit.hit(name, ident, limit=limit, window=window, local=True).allowed:
            for t_name, t_ident, t_window in taken:
                ratelimit.undo(t_name, t_ident, window=t_window, local=True)
            ratelimit.clear_cooldown("sms.phone", mobile)
            raise error()
        taken.append((name, ident, window))


# --- the two operations -------------------------------------------------------------------------------------


def send_code(*, mobile: str, purpose: str, ip: str | None, actor=None) -> SentCode:
    """Create a new code for (mobile, purpose), supersede earlier ones, and send it by SMS.

    Raises ValidationFailed (bad phone), SmsTooFrequent / SmsDailyLimit / SmsIpLimit (429), SmsSendFailed (503).
    Writes the audit entry `identity.sms_code.sent` (masked phone and purpose only).
    """
    mobile = _normalise(mobile)
    purpose = _check_purpose(purpose)
    now = clock.now()
    account_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    _take_send_slot(mobile=mobile, ip=ip, account_id=account_id)

    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    with transaction.atomic():
        SmsCode.objects.filter(mobile=mobile, purpose=purpose, used_at__isnull=True, superseded=False).update(
            superseded=True
        )
        row = SmsCode.objects.create(
            mobile=mobile,
            purpose=purpose,
            code_hash=_hash_code(mobile=mobile, purpose=purpose, code=code, salt=secrets.token_hex(8)),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        record(
            actor=actor,
            action="identity.sms_code.sent",
            obj=row,
            data={"purpose": purpose, "mobile": mask_phone(mobile)},
        )
    try:
        send_sms(
            mobile=mobile,
            template="verification_code",
            params={"code": code, "minutes": str(int(CODE_TTL.total_seconds() // 60))},
        )
    except SmsSendError:
        SmsCode.objects.filter(pk=row.pk).update(superseded=True)
        log.warning("SMS code to %s (%s) could not be sent", mask_phone(mobile), purpose)
        raise SmsSendFailed() from None
    log.info("SMS code sent to %s (%s)", mask_phone(mobile), purpose)
    return SentCode(
        masked_mobile=mask_phone(mobile),
        expires_at=row.expires_at,
        resend_after_seconds=int(settings.PMIP_SMS_INTERVAL_SECONDS),
    )


def verify_code(*, mobile: str, purpose: str, code: str) -> bool:
    """Accept the current code for (mobile, purpose) once; return True, or raise.

    Raises SmsCodeWrong (wrong digits; counts as a try), SmsCodeLocked (5 wrong tries: burned),
    SmsCodeExpired (none sent, expired, used or superseded), ValidationFailed (bad phone).
    A malformed entry (not 6 digits) is refused without counting as a try.
    """
    mobile = _normalise(mobile)
    purpose = _check_purpose(purpose)
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", code):
        raise SmsCodeWrong(f"请输入{CODE_LENGTH}位数字验证码。")
    now = clock.now()
    remaining = 0
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True, superseded=False)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or now >= row.expires_at:
            outcome = "expired"
        elif row.attempts >= MAX_WRONG_TRIES:
            outcome = "locked"
        elif _code_matches(row, code):
            row.used_at = now
            row.save(update_fields=["used_at"])
            outcome = "ok"
        else:
            row.attempts += 1
            row.save(update_fields=["attempts"])
            remaining = MAX_WRONG_TRIES - row.attempts
            outcome = "wrong" if remaining > 0 else "burned"
            if outcome == "burned":
                record(
                    actor=None,
                    action="identity.sms_code.locked",
                    obj=row,
                    data={"purpose": purpose, "mobile": mask_phone(mobile)},
                )
    if outcome == "ok":
        return True
    log.info("SMS code for %s (%s) refused: %s", mask_phone(mobile), purpose, outcome)
    if outcome == "expired":
        raise SmsCodeExpired()
    if outcome in ("locked", "burned"):
        raise SmsCodeLocked()
    raise SmsCodeWrong(f"验证码错误，还可尝试{remaining}次。")
