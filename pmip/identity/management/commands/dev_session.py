"""Development and test only: a logged-in session for a demo account, without the SMS second factor.

    manage.py dev_session --staff demo_city          # a back-office session (staff password + SMS skipped)
    manage.py dev_session --owner +8613900000001     # an owner session (the real SMS log-in, embedded SMS only)

Prints `sessionid=<key>` and `csrftoken=<token>` (the cookie value, also valid as the X-CSRFToken header), one per
line, for tools such as `make fuzz` (schemathesis). Refused when PMIP_ENVIRONMENT=production: in production every
session comes from the real log-in.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest
from django.middleware.csrf import get_token

from pmip.core.conf import pmip_settings
from pmip.identity.models import Account
from pmip.identity.services import mark_second_factor, may_enter_office


def refuse_in_production() -> None:
    if pmip_settings().environment == "production":
        raise CommandError(
            "dev_session 仅用于开发和测试环境，生产环境（PMIP_ENVIRONMENT=production）不可使用。"
        )


def owner_account(mobile: str) -> Account:
    """The owner account of a demo mobile through the real SMS log-in (code read from the embedded stand-in)."""
    from pmip.identity import owner_services
    from pmip.integrations.sms import EmbeddedSmsBackend

    if pmip_settings().sms_backend != "embedded":
        raise CommandError("--owner 需要内置短信替身（PMIP_SMS_BACKEND=embedded）。")
    mobile = owner_services.normalise_mobile_or_fail(mobile)
    owner_services.send_owner_login_code(mobile=mobile, ip=None)
    message = EmbeddedSmsBackend.last_to(mobile)
    if message is None:
        raise CommandError("未能发送登录验证码。")
    return owner_services.login_with_phone(mobile=mobile, code=message.params["code"])


def staff_account(username: str) -> Account:
    account = Account.objects.filter(username=username).first()
    if account is None or not may_enter_office(account):
        raise CommandError(f"账号“{username}”不存在或不能进入管理后台。")
    return account


def mint(account: Account, *, second_factor: bool = False) -> tuple[str, str]:
    """A saved session logged in as `account` and a CSRF cookie value for it. `second_factor` marks it as the office
    log-in does after the SMS code (/office/ and /api/v1/office/ refuse a staff session without the mark)."""
    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.session = engine.SessionStore()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    login(request, account, backend="django.contrib.auth.backends.ModelBackend")
    if second_factor:
        mark_second_factor(request.session)
    request.session.save()
    get_token(request)
    key = request.session.session_key
    assert key is not None  # saved just above
    return key, request.META["CSRF_COOKIE"]


class Command(BaseCommand):
    help = "开发/测试专用：为演示账号生成已登录的会话（生产环境拒绝）。"

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--staff", metavar="USERNAME", help="管理后台账号，如 demo_city")
        who.add_argument("--owner", metavar="MOBILE", help="业主手机号，如 +8613900000001")

    def handle(self, *args, staff=None, owner=None, **options):
        refuse_in_production()
        account = staff_account(staff) if staff else owner_account(owner)
        session_key, csrf = mint(account, second_factor=bool(staff))
        self.stdout.write(f"sessionid={session_key}\ncsrftoken={csrf}\n")
