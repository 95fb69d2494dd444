"""Owner log-in and log-out (业主登录).

Two ways in:
- WeChat web authorisation (snsapi_base): the interface checks the `state` nonce, exchanges the code for the openid
  through `pmip.integrations.wechat.get_oauth()` and calls `login_with_wechat(identity=…)`, which refuses
  snapshot-mode users and gets or creates the owner account for that openid.
- Outside WeChat: mobile + captcha (checked by the interface) + SMS code (purpose `owner_login`).
  `send_owner_login_code` never looks the phone up, and `login_with_phone` creates an owner account for an unknown
  phone once the code is right, so the answers never tell whether a phone is known.

Only owner accounts (kind `owner`, active) can come in this way: a staff account's phone or openid is refused (after
the code is proved, so the refusal tells nothing to someone who does not hold the phone) — staff use the back office
log-in with password and SMS code.

Audit actions: identity.owner.account_created, identity.owner.logged_in (method), identity.owner.login_refused,
identity.owner.logged_out, identity.owner.logged_out_everywhere.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import DomainError, ValidationFailed
from pmip.core.masking import mask_phone
from pmip.core.phones import normalise_mobile
from pmip.identity import otp
from pmip.identity.models import Account, AccountKind, SmsPurpose
from pmip.integrations.wechat import WechatIdentity, reject_snapshot_user


class OwnerLoginRefused(DomainError):
    code = "owner_login_refused"
    status = 403


def is_owner(account) -> bool:
    """An authenticated, active owner account (the only kind the owner pages and API serve)."""
    return bool(
        getattr(account, "is_authenticated", False)
        and account.is_active
        and account.kind == AccountKind.OWNER
    )


def _new_username(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _create_owner(**fields) -> Account:
    account = Account(kind=AccountKind.OWNER, username=_new_username(fields.pop("prefix")), **fields)
    account.set_unusable_password()
    account.save()
    return account


def login_with_wechat(*, identity: WechatIdentity) -> Account:
    """Get or create the owner account of this openid. Raises WechatAuthError (snapshot user), OwnerLoginRefused.

    Writes identity.owner.account_created (new accounts) and identity.owner.logged_in {method: wechat}.
    """
    reject_snapshot_user(identity)
    openid = identity.openid
    if not openid:
        raise OwnerLoginRefused("微信授权失败，请返回后重新进入页面。")
    for _attempt in range(2):
        try:
            with transaction.atomic(durable=True):
                account = Account.objects.select_for_update().filter(wechat_openid=openid).first()
                if account is None:
                    account = _create_owner(prefix="wx", wechat_openid=openid)
                    record(
                        actor=account,
                        action="identity.owner.account_created",
                        obj=account,
                        data={"via": "wechat"},
                    )
                if account.kind != AccountKind.OWNER or not account.is_active:
                    record(
                        actor=None,
                        action="identity.owner.login_refused",
                        obj=account,
                        data={"method": "wechat", "reason": "not_owner" if account.is_active else "inactive"},
                    )
                    refused = True
                else:
                    refused = False
                    record(
                        actor=account,
                        action="identity.owner.logged_in",
                        obj=account,
                        data={"method": "wechat"},
                    )
            break
        except IntegrityError:  # two first log-ins of one openid at once: the other one created it
            continue
    else:  # pragma: no cover - needs three concurrent first log-ins
        raise OwnerLoginRefused("登录失败，请稍后再试。")
    if refused:
        raise OwnerLoginRefused("该微信账号无法登录业主服务，请联系客服。")
    return account


def send_owner_login_code(*, mobile: str, ip: str | None) -> otp.SentCode:
    """Send a log-in code to any valid mobile (known or not: the answer is the same). Raises otp errors."""
    return otp.send_code(mobile=mobile, purpose=SmsPurpose.OWNER_LOGIN, ip=ip, actor=None)


def login_with_phone(*, mobile: str, code: str) -> Account:
    """Check the SMS code, then get or create the owner account of this mobile.

    Raises ValidationFailed (bad phone), the otp code errors, OwnerLoginRefused (the phone belongs to a staff or
    inactive account — said only after the right code). Writes identity.owner.account_created / logged_in.
    """
    mobile = normalise_mobile_or_fail(mobile)
    otp.verify_code(mobile=mobile, purpose=SmsPurpose.OWNER_LOGIN, code=code)
    for _attempt in range(2):
        try:
            with transaction.atomic(durable=True):
                account = Account.objects.select_for_update().filter(mobile=mobile).first()
                if account is None:
                    account = _create_owner(prefix="m", mobile=mobile)
                    record(
                        actor=account,
                        action="identity.owner.account_created",
                        obj=account,
                        data={"via": "mobile"},
                    )
                if account.kind != AccountKind.OWNER or not account.is_active:
                    record(
                        actor=None,
                        action="identity.owner.login_refused",
                        obj=account,
                        data={"method": "mobile", "mobile": mask_phone(mobile)},
                    )
                    refused = True
                else:
                    refused = False
                    record(
                        actor=account,
                        action="identity.owner.logged_in",
                        obj=account,
                        data={"method": "mobile"},
                    )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise OwnerLoginRefused("登录失败，请稍后再试。")
    if refused:
        raise OwnerLoginRefused("该手机号无法登录业主服务，请使用微信登录或联系客服。")
    return account


def normalise_mobile_or_fail(mobile: str) -> str:
    try:
        return normalise_mobile(mobile)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="mobile") from exc


def record_owner_logout(*, actor) -> None:
    """Write identity.owner.logged_out (the interface then ends the session)."""
    if not getattr(actor, "is_authenticated", False):
        return
    with transaction.atomic(durable=True):
        record(actor=actor, action="identity.owner.logged_out", obj=actor)


def logout_everywhere(*, actor) -> None:
    """退出所有设备: every session of this account started before now ends at its next request
    (`Account.sessions_valid_after`, enforced by SessionTimeoutMiddleware). Writes identity.owner.logged_out_everywhere.
    """
    if not getattr(actor, "is_authenticated", False):
        raise OwnerLoginRefused("请先登录。")
    with transaction.atomic(durable=True):
        Account.objects.filter(pk=actor.pk).update(sessions_valid_after=clock.now())
        record(actor=actor, action="identity.owner.logged_out_everywhere", obj=actor)
