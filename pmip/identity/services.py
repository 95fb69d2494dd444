"""Identity writes. For now: the back-office (staff) log-in — password, then an SMS code — and log-out.

The two steps:
1. `authenticate_staff(username, password, ip)` checks the password and that the account may enter the back office.
   Failures are counted per (username, IP) in the cache; after `PMIP_LOGIN_FAIL_LIMIT` (5) failures within the
   window (`PMIP_LOGIN_FAIL_WINDOW_SECONDS`, 15 min) further attempts are refused until the window ends.
   Unknown user, wrong password, inactive account and an account without back-office rights all give the same
   message.
2. `send_staff_login_code(account, ip)` sends a code to the account's own mobile (never to a phone typed by the
   user), and `complete_staff_login(account, code, ip)` verifies it. Only then does the interface call Django's
   `login()`.

Audit actions: identity.staff.login_failed (the username only when it names an existing account, and the step;
never the password or code), identity.staff.logged_in, identity.staff.logged_out.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import salted_hmac

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import DomainError, RateLimited, ValidationFailed
from pmip.identity import otp
from pmip.identity.models import Account, AccountKind, SmsPurpose, StaffRole


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401

    def __init__(self, message: str = "用户名或密码错误。", **kwargs):
        super().__init__(message, **kwargs)


class LoginLocked(RateLimited):
    code = "login_locked"


def _fail_limit() -> int:
    return int(getattr(settings, "PMIP_LOGIN_FAIL_LIMIT", 5))


def _fail_window() -> int:
    return int(getattr(settings, "PMIP_LOGIN_FAIL_WINDOW_SECONDS", 15 * 60))


def may_enter_office(account) -> bool:
    """Active staff/operator accounts with at least one back-office role, or superusers."""
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return False
    if account.is_superuser:
        return True
    if account.kind not in (AccountKind.STAFF, AccountKind.OPERATOR):
        return False
    cached = getattr(account, "_pmip_roles", None)
    if cached is not None:
        return bool(cached)
    return StaffRole.objects.filter(account=account).exists()


def _fail_key(username: str, ip: str | None) -> str:
    window = int(clock.now().timestamp() // _fail_window())
    ident = salted_hmac(
        "pmip.identity.login", f"{username.strip().lower()}|{ip or '-'}", algorithm="sha256"
    ).hexdigest()[:24]
    return f"pmip:login:fail:{window}:{ident}"


def _count_failure(username: str, ip: str | None) -> None:
    key = _fail_key(username, ip)
    cache.add(key, 0, 2 * _fail_window())
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 2 * _fail_window())


def _record_failure(*, username: str, step: str, account: Account | None = None) -> None:
    with transaction.atomic():
        record(
            actor=None,
            action="identity.staff.login_failed",
            obj=account,
            data={"username": username[:150], "step": step},
        )


def authenticate_staff(*, username: str, password: str, ip: str | None) -> Account:
    """Step 1: check username and password. Returns the account, or raises LoginFailed / LoginLocked."""
    username = (username or "").strip()
    if not username or not password:
        raise LoginFailed("请输入用户名和密码。")
    if (cache.get(_fail_key(username, ip)) or 0) >= _fail_limit():
        minutes = max(1, _fail_window() // 60)
        raise LoginLocked(f"登录失败次数过多，请{minutes}分钟后再试。")
    account = authenticate(username=username, password=password)
    if account is None or not may_enter_office(account):
        _count_failure(username, ip)
        # The typed name is recorded only when it is a real account: people type passwords into the wrong field.
        known = account or Account.objects.filter(username=username).first()
        _record_failure(username=known.username if known else "", step="password", account=known)
        raise LoginFailed()
    return account


def send_staff_login_code(*, account: Account, ip: str | None) -> otp.SentCode:
    """Send the second-factor code to the account's registered mobile. Raises otp errors (rate limits)."""
    if not may_enter_office(account):
        raise LoginFailed()
    if not account.mobile:
        raise ValidationFailed("该账户未登记手机号，无法发送验证码，请联系系统管理员。")
    return otp.send_code(mobile=account.mobile, purpose=SmsPurpose.STAFF_LOGIN, ip=ip, actor=None)


def complete_staff_login(*, account: Account, code: str, ip: str | None) -> Account:
    """Step 2: verify the SMS code. On success write `identity.staff.logged_in` and clear the failure counter."""
    account.refresh_from_db()
    if not may_enter_office(account) or not account.mobile:
        raise LoginFailed("该账户无法登录后台，请联系系统管理员。")
    try:
        otp.verify_code(mobile=account.mobile, purpose=SmsPurpose.STAFF_LOGIN, code=code)
    except otp.SmsCodeError:
        _record_failure(username=account.username, step="code", account=account)
        raise
    cache.delete(_fail_key(account.username, ip))
    with transaction.atomic():
        record(actor=account, action="identity.staff.logged_in", obj=account, data={"method": "password+sms"})
    return account


def record_staff_logout(*, account: Account) -> None:
    """Write `identity.staff.logged_out` (the interface then ends the session)."""
    if not getattr(account, "is_authenticated", False):
        return
    with transaction.atomic():
        record(actor=account, action="identity.staff.logged_out", obj=account)
