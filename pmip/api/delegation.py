"""Owner API of 委托管理 and 被委托人认证, /api/v1/delegation: the same services as the portal, the same error codes.

Authentication: the owner's Django session (the portal log-in); unsafe methods need the CSRF token.
"""

from __future__ import annotations

import datetime as dt

from captcha.fields import CaptchaField
from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status
from ninja.security import SessionAuth
from pydantic import Field

from pmip.api.schemas import Problem
from pmip.core.errors import NotFound, ValidationFailed
from pmip.core.masking import mask_name, mask_phone
from pmip.core.middleware import client_ip
from pmip.delegation import selectors, services
from pmip.delegation.models import Delegation
from pmip.identity.models import AccountKind
from pmip.registry.selectors import get_public_project


class OwnerSessionAuth(SessionAuth):
    """A logged-in, active owner account (the portal session)."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and user.kind == AccountKind.OWNER:
            return user
        return None


router = Router(tags=["委托管理"], auth=OwnerSessionAuth())

_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class GivenDelegationOut(Schema):
    """A delegation the owner gave. The owner sees the delegate's full name and a masked mobile."""

    id: int
    project_code: str
    project_name: str
    delegate_name: str
    delegate_mobile: str = Field(..., description="掩码显示，如 139****0002")
    status: str = Field(..., description="active 生效中 / revoked 已解除")
    status_label: str
    delegate_verified: bool = Field(..., description="被委托人是否已完成被委托人认证")
    granted_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, d: Delegation) -> GivenDelegationOut:
        return cls(
            id=d.pk,
            project_code=d.project.code,
            project_name=d.project.name,
            delegate_name=d.delegate_name,
            delegate_mobile=mask_phone(d.delegate_mobile),
            status=d.status,
            status_label=d.get_status_display(),
            delegate_verified=d.delegate_account_id is not None,
            granted_at=d.granted_at,
            revoked_at=d.revoked_at,
        )


class ReceivedDelegationOut(Schema):
    """A delegation in force that the account acts under, as a verified delegate (principal's name masked)."""

    id: int
    project_code: str
    project_name: str
    principal: str = Field(..., description="委托人姓名（掩码）")
    granted_at: dt.datetime

    @classmethod
    def of(cls, d: Delegation) -> ReceivedDelegationOut:
        return cls(
            id=d.pk,
            project_code=d.project.code,
            project_name=d.project.name,
            principal=mask_name(selectors.owner_display_name(d.owner)),
            granted_at=d.granted_at,
        )


class DelegationsOut(Schema):
    given: list[GivenDelegationOut]
    received: list[ReceivedDelegationOut]
    max_principals: int = Field(..., description="同一被委托人在一个小区最多接受的委托数")


class GrantIn(Schema):
    project_code: str = Field(..., max_length=32, description="物业项目编号")
    delegate_name: str = Field(..., max_length=60)
    delegate_mobile: str = Field(..., max_length=20, description="内地11位手机号，或带国际区号的港澳台手机号")


class DelegateCodeIn(Schema):
    mobile: str = Field(..., max_length=20)
    captcha_key: str = Field(..., max_length=64, description="图形验证码的 key（/captcha/refresh/ 返回）")
    captcha_value: str = Field(..., max_length=10)


class DelegateCodeOut(Schema):
    masked_mobile: str
    expires_at: dt.datetime
    resend_after_seconds: int


class DelegateVerifyIn(Schema):
    name: str = Field(..., max_length=60)
    mobile: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10)


class DelegateVerifyOut(Schema):
    linked: list[ReceivedDelegationOut]


@router.get("", response={200: DelegationsOut, **_ERRORS}, summary="我的委托（发起的和代理的）")
def list_delegations(request):
    account = request.auth
    return DelegationsOut(
        given=[GivenDelegationOut.of(d) for d in selectors.delegations_given(account=account)],
        received=[ReceivedDelegationOut.of(d) for d in selectors.delegations_received(account=account)],
        max_principals=selectors.max_principals(),
    )


@router.post("", response={201: GivenDelegationOut, **_ERRORS}, summary="发起委托")
def grant(request, payload: GrantIn):
    project = get_public_project(code=payload.project_code.strip())
    delegation = services.grant_delegation(
        actor=request.auth,
        project=project,
        delegate_name=payload.delegate_name,
        delegate_mobile=payload.delegate_mobile,
    )
    return Status(201, GivenDelegationOut.of(delegation))


@router.post("/{delegation_id}/revoke", response={200: GivenDelegationOut, **_ERRORS}, summary="解除委托")
def revoke(request, delegation_id: int):
    delegation = services.revoke_delegation(actor=request.auth, delegation_id=delegation_id)
    return GivenDelegationOut.of(delegation)


@router.post(
    "/delegate/code",
    response={200: DelegateCodeOut, 429: Problem, 503: Problem, **_ERRORS},
    summary="被委托人认证：获取验证码",
)
def delegate_code(request, payload: DelegateCodeIn):
    try:
        CaptchaField().clean([payload.captcha_key, payload.captcha_value])
    except ValidationError as exc:
        raise ValidationFailed(
            "图形验证码错误，请重新输入。", field="captcha", code="captcha_invalid"
        ) from exc
    sent = services.send_delegate_code(actor=request.auth, mobile=payload.mobile, ip=client_ip(request))
    return DelegateCodeOut(
        masked_mobile=sent.masked_mobile,
        expires_at=sent.expires_at,
        resend_after_seconds=sent.resend_after_seconds,
    )


@router.post(
    "/delegate/verify", response={200: DelegateVerifyOut, **_ERRORS}, summary="被委托人认证：验证身份"
)
def delegate_verify(request, payload: DelegateVerifyIn):
    linked = services.verify_delegate(
        actor=request.auth, name=payload.name, mobile=payload.mobile, code=payload.code
    )
    ids = [d.pk for d in linked]
    received = [d for d in selectors.delegations_received(account=request.auth) if d.pk in ids]
    if not received:  # cannot happen after a successful verification; keep the answer honest if it does
        raise NotFound("未找到该委托。")
    return DelegateVerifyOut(linked=[ReceivedDelegationOut.of(d) for d in received])
