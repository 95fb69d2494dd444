"""Identity writes. The one staff log-in — password, then an SMS code — for every door (/office/, the staff API and
the operators' /ops/), and log-out.

The two steps:
1. `authenticate_staff(username, password, ip)` checks the password and that the account may enter the back office
   or the operators' console. Failures are counted per account (the typed user name) and per client IP in the
   shared cache (`pmip.core.ratelimit`, so the count holds across processes and servers); after
   `PMIP_LOGIN_FAIL_LIMIT` (5) failures for one account, or `PMIP_LOGIN_IP_FAIL_LIMIT` (20) from one IP, within
   the window (`PMIP_LOGIN_FAIL_WINDOW_SECONDS`, 15 min) further attempts are refused until the window ends.
   Unknown user, wrong password, inactive account and an account without back-office rights all give the same
   message.
2. `send_staff_login_code(account, ip)` sends a code to the account's own mobile (never to a phone typed by the
   user), and `complete_staff_login(account, code, ip)` verifies it (a wrong code counts as a failure of the
   account). Only then does the interface call Django's `login()` and `mark_second_factor(session)`; every door
   requires that mark (`passed_second_factor`: the office's `office_required`, the staff API's `StaffSessionAuth`,
   the operators' console /ops/), so no session that skipped the code reaches any of them.

Being a superuser grants nothing in /office/ or /api/v1/office/: only StaffRole rows do (`may_enter_office`).

Audit actions: identity.staff.login_failed (the username only when it names an existing account, and the step;
never the password or code), identity.staff.logged_in, identity.staff.logged_out.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock, ratelimit
from pmip.core.actors import is_signed_in
from pmip.core.conf import pmip_settings
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
    return int(pmip_settings().login_fail_limit)


def _fail_window() -> int:
    return int(pmip_settings().login_fail_window_seconds)


def _ip_fail_limit() -> int:
    return int(pmip_settings().login_ip_fail_limit)


SECOND_FACTOR_SESSION_KEY = "_pmip_second_factor_at"


def may_enter_office(account) -> bool:
    """Active staff/operator accounts with at least one back-office role. Superuser status alone grants nothing."""
    if not is_signed_in(account):
        return False
    if account.kind not in (AccountKind.STAFF, AccountKind.OPERATOR):
        return False
    cached = getattr(account, "_pmip_roles", None)
    if cached is not None:
        return bool(cached)
    return StaffRole.objects.filter(account=account).exists()


def may_enter_ops(account) -> bool:
    """Platform operators (平台运维): active operator accounts with Django-admin rights (is_staff)."""
    return bool(
        getattr(account, "is_authenticated", False)
        and account.is_active
        and account.is_staff
        and account.kind == AccountKind.OPERATOR
    )


def may_log_in_staff(account) -> bool:
    return may_enter_office(account) or may_enter_ops(account)


def mark_second_factor(session) -> None:
    """Called by the interface right after `login()` at the end of the two steps."""
    session[SECOND_FACTOR_SESSION_KEY] = clock.now().timestamp()


def passed_second_factor(request) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SECOND_FACTOR_SESSION_KEY))


def _account_ident(username: str) -> str:
    return (username or "").strip().lower()


def _count_failure(username: str, ip: str | None) -> None:
    window = _fail_window()
    # `hit` refuses beyond the limit without counting; the lock-out check below reads the same windows.
    ratelimit.hit("login.fail.account", _account_ident(username), limit=_fail_limit(), window=window)
    ratelimit.hit("login.fail.ip", ip or "-", limit=_ip_fail_limit(), window=window)


def _locked(username: str, ip: str | None) -> bool:
    window = _fail_window()
    return ratelimit.exceeded(
        "login.fail.account", _account_ident(username), limit=_fail_limit(), window=window
    ) or ratelimit.exceeded("login.fail.ip", ip or "-", limit=_ip_fail_limit(), window=window)


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
    if _locked(username, ip):
        minutes = max(1, _fail_window() // 60)
        raise LoginLocked(f"登录失败次数过多，请{minutes}分钟后再试。")
    account = authenticate(username=username, password=password)
    if account is None or not may_log_in_staff(account):
        _count_failure(username, ip)
        # The typed name is recorded only when it is a real account: people type passwords into the wrong field.
        known = account or Account.objects.filter(username=username).first()
        _record_failure(username=known.username if known else "", step="password", account=known)
        raise LoginFailed()
    return account


def send_staff_login_code(*, account: Account, ip: str | None) -> otp.SentCode:
    """Send the second-factor code to the account's registered mobile. Raises otp errors (rate limits)."""
    if not may_log_in_staff(account):
        raise LoginFailed()
    if not account.mobile:
        raise ValidationFailed("该账户未登记手机号，无法发送验证码，请联系系统管理员。")
    return otp.send_code(mobile=account.mobile, purpose=SmsPurpose.STAFF_LOGIN, ip=ip, actor=None)


def complete_staff_login(*, account: Account, code: str, ip: str | None) -> Account:
    """Step 2: verify the SMS code. On success write `identity.staff.logged_in` and clear the failure counter."""
    account.refresh_from_db()
    if not may_log_in_staff(account) or not account.mobile:
        raise LoginFailed("该账户无法登录后台，请联系系统管理员。")
    if _locked(account.username, ip):
        minutes = max(1, _fail_window() // 60)
        raise LoginLocked(f"登录失败次数过多，请{minutes}分钟后再试。")
    try:
        otp.verify_code(mobile=account.mobile, purpose=SmsPurpose.STAFF_LOGIN, code=code)
    except otp.SmsCodeError:
        _count_failure(account.username, ip)
        _record_failure(username=account.username, step="code", account=account)
        raise
    ratelimit.reset("login.fail.account", _account_ident(account.username), window=_fail_window())
    with transaction.atomic():
        record(actor=account, action="identity.staff.logged_in", obj=account, data={"method": "password+sms"})
    return account


def record_staff_logout(*, account: Account) -> None:
    """Write `identity.staff.logged_out` (the interface then ends the session)."""
    if not getattr(account, "is_authenticated", False):
        return
    with transaction.atomic():
        record(actor=account, action="identity.staff.logged_out", obj=account)


def set_elder_mode(*, actor: Account, on: bool) -> Account:
    """长辈模式 on or off for the actor's own account (remembered on every device; audited when it changes)."""
    if not is_signed_in(actor):
        raise ValidationFailed("请先登录。")
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=actor.pk)
        if account.elder_mode != bool(on):
            account.elder_mode = bool(on)
            account.save(update_fields=["elder_mode"])
            record(actor=account, action="identity.owner.elder_mode_set", obj=account, data={"on": bool(on)})
    actor.elder_mode = bool(on)
    return account
