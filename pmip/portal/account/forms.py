"""Forms of the owner account pages. They check presence and shape; the services check the rules."""

from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms

from pmip.core.idnumbers import ID_TYPE_CHOICES


def _required(label: str, verb: str = "请输入") -> dict[str, str]:
    return {"required": f"{verb}{label}。", "max_length": f"{label}不能超过%(limit_value)d个字。"}


class CaptchaSendForm(forms.Form):
    """获取验证码: the mobile and the 图形验证码 (one try per picture)."""

    mobile = forms.CharField(max_length=20, error_messages=_required("手机号码"))
    captcha = CaptchaField(
        error_messages={
            "invalid": "图形验证码错误，请重新输入。",
            "required": "请输入图形验证码。",
            "incomplete": "请输入图形验证码。",
        }
    )

    def first_error(self) -> str:
        for name in ("mobile", "captcha"):
            if name in self.errors:
                return self.errors[name][0]
        return next(iter(self.errors.values()))[0] if self.errors else ""


class PhoneLoginForm(forms.Form):
    mobile = forms.CharField(max_length=20, error_messages=_required("手机号码"))
    sms_code = forms.CharField(max_length=10, error_messages=_required("短信验证码"))


class StandinAuthorizeForm(forms.Form):
    """The WeChat stand-in page (development): who is logging in."""

    name = forms.CharField(label="测试用户名", max_length=30, error_messages=_required("测试用户名"))
    snapshot = forms.BooleanField(label="以朋友圈快照页模式打开（is_snapshotuser=1）", required=False)


class AgreementForm(forms.Form):
    agree = forms.BooleanField(error_messages={"required": "请先阅读并勾选“我已经阅读了《用户协议》”。"})


class BindingForm(forms.Form):
    """业主身份绑定: 业主姓名, 证件类型, 证件号码, (图形验证码), 手机号码, 短信验证码."""

    holder_name = forms.CharField(label="业主姓名", max_length=30, error_messages=_required("业主姓名"))
    id_type = forms.ChoiceField(
        label="证件类型",
        choices=ID_TYPE_CHOICES,
        initial="mainland",
        error_messages={"required": "请选择证件类型。", "invalid_choice": "请选择证件类型。"},
    )
    id_number = forms.CharField(label="证件号码", max_length=40, error_messages=_required("证件号码"))
    mobile = forms.CharField(label="手机号码", max_length=20, error_messages=_required("手机号码"))
    sms_code = forms.CharField(label="短信验证码", max_length=10, error_messages=_required("短信验证码"))


class FaceConsentForm(forms.Form):
    consent = forms.BooleanField(error_messages={"required": "请阅读并勾选同意《人脸识别信息处理告知》。"})


class UnbindForm(forms.Form):
    confirm = forms.BooleanField(error_messages={"required": "请勾选确认后再解除所有绑定。"})


class HouseInfoForm(forms.Form):
    """未能找到您的房屋 → 提交房屋信息 (to the chosen subdistrict office)."""

    subdistrict = forms.TypedChoiceField(
        label="所在街道",
        coerce=int,
        error_messages={"required": "请选择房屋所在的街道。", "invalid_choice": "请选择房屋所在的街道。"},
    )
    project_name = forms.CharField(
        label="小区名称", max_length=100, error_messages=_required("小区名称", "请填写")
    )
    address = forms.CharField(
        label="小区地址", max_length=200, error_messages=_required("小区地址", "请填写")
    )
    building_number = forms.CharField(
        label="楼栋号", max_length=30, error_messages=_required("楼栋号", "请填写")
    )
    unit_number = forms.CharField(label="房号", max_length=30, error_messages=_required("房号", "请填写"))
    certificate_no = forms.CharField(
        label="不动产权证书号", max_length=60, required=False, error_messages=_required("不动产权证书号")
    )
    note = forms.CharField(
        label="补充说明",
        max_length=500,
        required=False,
        widget=forms.Textarea,
        error_messages=_required("补充说明"),
    )

    def __init__(self, *args, subdistricts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].choices = [("", "请选择街道")] + list(subdistricts)
