"""Owner API (/api/v1/me/...): the caller's own profile and bindings, and the binding steps.

Session authentication of an owner account (the same log-in as the owner pages; CSRF checked on unsafe methods).
Every endpoint calls the same services as the pages and answers their errors with the same codes, e.g.
`title_not_found`, `house_not_found`, `registry_unavailable`, `face_unsupported`, `unit_not_in_lookup`. The pending
binding is kept in the session (the services' sealed token), shared with the pages.
"""

from __future__ import annotations

from captcha.fields import CaptchaField
from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Router, Schema
from ninja.security import SessionAuth
from pydantic import Field

from pmip.api.schemas import Problem
from pmip.core import clock
from pmip.core.errors import DomainError, ValidationFailed
from pmip.core.middleware import client_ip
from pmip.identity import binding as services
from pmip.identity import otp, selectors
from pmip.identity.models import HouseBinding, SmsPurpose
from pmip.identity.owner_services import is_owner


class NotLoggedIn(DomainError):
    code = "unauthenticated"
    status = 401

    def __init__(self, message: str = "请先登录业主账号。", **kwargs):
        super().__init__(message, **kwargs)


class OwnerSessionAuth(SessionAuth):
    """A Django session of an active owner account; anything else is 401 with a problem body."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if is_owner(user):
            return user
        raise NotLoggedIn()


router = Router(tags=["业主"], auth=OwnerSessionAuth())
_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem, 503: Problem}


# --------------------------------------------------------------------------------------------------- schemas


class StatusOut(Schema):
    code: str = Field(..., examples=["face"])
    label: str = Field(..., examples=["已人脸认证"])
    can_vote: bool
    can_supplement: bool
    needs_offline: bool


class IdentityOut(Schema):
    holder_masked: str = Field(..., examples=["张*"])
    id_type: str
    id_type_label: str
    id_masked: str = Field(..., examples=["440***********123X"])
    mobile_masked: str = Field(..., examples=["138****5678"])
    status: StatusOut


class ProfileOut(Schema):
    identity: IdentityOut | None
    bindings: int


class BindingOut(Schema):
    id: int
    project_code: str
    project_name: str
    building_number: str
    unit_number: str
    area: str = Field(..., examples=["90.00"])
    share: str = Field(..., examples=["1.0000"])
    bound_at: str

    @classmethod
    def of(cls, b: HouseBinding) -> BindingOut:
        return cls(
            id=b.pk,
            project_code=b.project.code,
            project_name=b.project.name,
            building_number=b.unit.building.number,
            unit_number=b.unit.number,
            area=str(b.unit.area),
            share=str(b.title_record.share),
            bound_at=clock.local(b.bound_at).isoformat(),
        )


class SmsCodeIn(Schema):
    mobile: str = Field(..., max_length=20)
    captcha_key: str = Field(..., max_length=64, description="图形验证码的 key（/captcha/refresh/ 返回）")
    captcha_value: str = Field(..., max_length=10)


class SmsCodeOut(Schema):
    masked_mobile: str
    resend_after_seconds: int


class StartIn(Schema):
    agreement_accepted: bool = Field(..., description="已阅读《用户协议》")
    holder_name: str = Field(..., max_length=60)
    id_type: str = Field(..., max_length=24, examples=["mainland"])
    id_number: str = Field(..., max_length=40)
    mobile: str = Field(..., max_length=20)
    sms_code: str = Field(..., max_length=10)


class StartOut(Schema):
    needs_face: bool


class FaceIn(Schema):
    face_consent: bool = Field(..., description="单独同意《人脸识别信息处理告知》")


class FaceOut(Schema):
    url: str = Field(..., description="把浏览器带到此地址完成人脸识别；结束后回到 /me/binding/face/return/")


class FaceCompleteIn(Schema):
    callback_code: str = Field("", max_length=20, description="回调带回的 code（只用于说明失败原因）")


class OkOut(Schema):
    ok: bool


class LookupIn(Schema):
    add: bool = Field(False, description="true：添加房屋绑定（用已认证的身份重新查询）")


class BindingCandidateOut(Schema):
    unit_id: int
    project_code: str
    project_name: str
    building_number: str
    unit_number: str
    area: str
    holder_masked: str
    share: str
    already_bound: bool


class MissingOut(Schema):
    project_code: str
    building_number: str
    unit_number: str


class LookupOut(Schema):
    units: list[BindingCandidateOut]
    missing: list[MissingOut]


class BindIn(Schema):
    unit_ids: list[int] = Field(..., max_length=200)


class UnbindIn(Schema):
    confirm: bool


class UnbindOut(Schema):
    ended: int


class HouseInfoIn(Schema):
    subdistrict_id: int
    project_name: str = Field(..., max_length=200)
    address: str = Field(..., max_length=400)
    building_number: str = Field(..., max_length=60)
    unit_number: str = Field(..., max_length=60)
    certificate_no: str = Field("", max_length=120)
    note: str = Field("", max_length=1000)


class HouseInfoOut(Schema):
    id: int
    status: str


# --------------------------------------------------------------------------------------------------- reads


@router.get("/profile", response={200: ProfileOut, **_ERRORS}, summary="我的业主信息（脱敏）")
def profile(request):
    info = selectors.owner_profile(actor=request.auth)
    count = selectors.active_bindings_of(actor=request.auth).count()
    if info is None:
        return ProfileOut(identity=None, bindings=count)
    return ProfileOut(
        identity=IdentityOut(
            holder_masked=info.holder_masked,
            id_type=info.id_type,
            id_type_label=info.id_type_label,
            id_masked=info.id_masked,
            mobile_masked=info.mobile_masked,
            status=StatusOut(**info.status.__dict__),
        ),
        bindings=count,
    )


@router.get("/bindings", response={200: list[BindingOut], **_ERRORS}, summary="我已绑定的房屋")
def bindings(request):
    return [BindingOut.of(b) for b in selectors.active_bindings_of(actor=request.auth)]


@router.get("/bindings/{int:binding_id}", response={200: BindingOut, **_ERRORS}, summary="我已绑定的一套房屋")
def binding_detail(request, binding_id: int):
    return BindingOut.of(selectors.get_binding_of(actor=request.auth, binding_id=binding_id))


# --------------------------------------------------------------------------------------------------- binding steps


def _state(request) -> str | None:
    return request.session.get(services.SESSION_KEY)


def _keep(request, token: str | None) -> None:
    if token:
        request.session[services.SESSION_KEY] = token
    else:
        request.session.pop(services.SESSION_KEY, None)


@router.post("/binding/sms-code", response={200: SmsCodeOut, **_ERRORS}, summary="获取绑定短信验证码")
def binding_sms_code(request, payload: SmsCodeIn):
    try:
        CaptchaField().clean([payload.captcha_key, payload.captcha_value])
    except ValidationError as exc:
        raise ValidationFailed(
            "图形验证码错误，请重新输入。", field="captcha", code="captcha_invalid"
        ) from exc
    sent = otp.send_code(
        mobile=payload.mobile, purpose=SmsPurpose.BINDING, ip=client_ip(request), actor=request.auth
    )
    return SmsCodeOut(masked_mobile=sent.masked_mobile, resend_after_seconds=sent.resend_after_seconds)


@router.post("/binding/start", response={200: StartOut, **_ERRORS}, summary="填写业主身份信息")
def binding_start(request, payload: StartIn):
    started = services.start_binding(
        actor=request.auth,
        agreement_accepted_at=clock.now() if payload.agreement_accepted else None,
        holder_name=payload.holder_name,
        id_type=payload.id_type,
        id_number=payload.id_number,
        mobile=payload.mobile,
        sms_code=payload.sms_code,
    )
    _keep(request, started.state)
    return StartOut(needs_face=started.needs_face)


@router.post("/binding/face", response={200: FaceOut, **_ERRORS}, summary="发起人脸识别")
def binding_face(request, payload: FaceIn):
    token, session = services.start_face(
        actor=request.auth,
        state=_state(request),
        face_consent=payload.face_consent,
        redirect_url=request.build_absolute_uri(reverse("portal_account:binding_face_return")),
    )
    _keep(request, token)
    return FaceOut(url=session.url)


@router.post(
    "/binding/face/decline", response={200: OkOut, **_ERRORS}, summary="不同意人脸识别，改为线下认证"
)
def binding_face_decline(request):
    _keep(request, services.decline_face(actor=request.auth, state=_state(request)))
    return OkOut(ok=True)


@router.post("/binding/face/complete", response={200: OkOut, **_ERRORS}, summary="查询人脸识别结果")
def binding_face_complete(request, payload: FaceCompleteIn):
    _keep(
        request,
        services.complete_face(
            actor=request.auth, state=_state(request), callback_code=payload.callback_code
        ),
    )
    return OkOut(ok=True)


@router.post("/binding/lookup", response={200: LookupOut, **_ERRORS}, summary="查询可绑定的房屋")
def binding_lookup(request, payload: LookupIn):
    try:
        token, result = services.lookup_units(
            actor=request.auth, state=None if payload.add else _state(request)
        )
    except (services.RegistryBusy, services.TitleNotFound, services.HouseNotFound) as exc:
        if exc.state is not None:  # None: refused before 添加房屋绑定 began, the session keeps what it had
            _keep(request, exc.state)
        raise
    _keep(request, token)
    return LookupOut(
        units=[
            BindingCandidateOut(
                unit_id=c.unit_id,
                project_code=c.project_code,
                project_name=c.project_name,
                building_number=c.building_number,
                unit_number=c.unit_number,
                area=str(c.area),
                holder_masked=c.holder_masked,
                share=str(c.share),
                already_bound=c.already_bound,
            )
            for c in result.candidates
        ],
        missing=[
            MissingOut(**{k: m[k] for k in ("project_code", "building_number", "unit_number")})
            for m in result.missing
        ],
    )


@router.post("/binding/bind", response={200: list[BindingOut], **_ERRORS}, summary="提交绑定")
def binding_bind(request, payload: BindIn):
    created = services.bind_units(actor=request.auth, state=_state(request), unit_ids=payload.unit_ids)
    _keep(request, None)
    ids = [b.pk for b in created]
    return [BindingOut.of(b) for b in selectors.active_bindings_of(actor=request.auth).filter(pk__in=ids)]


@router.post("/bindings/unbind-all", response={200: UnbindOut, **_ERRORS}, summary="解除所有绑定")
def unbind_all(request, payload: UnbindIn):
    return UnbindOut(ended=services.unbind_all(actor=request.auth, confirm=payload.confirm))


@router.post("/house-info", response={200: HouseInfoOut, **_ERRORS}, summary="提交房屋信息（未能找到房屋时）")
def house_info(request, payload: HouseInfoIn):
    submission = services.submit_house_info(actor=request.auth, **payload.model_dump())
    return HouseInfoOut(id=submission.pk, status=submission.status)
