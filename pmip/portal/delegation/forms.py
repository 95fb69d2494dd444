"""Owner forms of 委托管理, 被委托人认证 and 申请线下认证: shape only; the services check the rules."""

from __future__ import annotations

from django import forms


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class GrantForm(forms.Form):
    project = ProjectChoiceField(
        label="委托小区",
        queryset=None,
        empty_label="请选择小区",
        error_messages={"required": "请选择委托的小区。", "invalid_choice": "请选择您已绑定房屋的小区。"},
    )
    delegate_name = forms.CharField(
        label="被委托人姓名", max_length=60, error_messages={"required": "请填写被委托人姓名。"}
    )
    delegate_mobile = forms.CharField(
        label="被委托人手机号", max_length=20, error_messages={"required": "请填写被委托人手机号。"}
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class DelegateForm(forms.Form):
    """被委托人认证: name + mobile, then the SMS code. `action` is "send" (get a code) or "verify"."""

    name = forms.CharField(label="姓名", max_length=60, error_messages={"required": "请填写您的姓名。"})
    mobile = forms.CharField(label="手机号", max_length=20, error_messages={"required": "请填写您的手机号。"})
    code = forms.CharField(label="验证码", max_length=6, required=False)

    def clean(self):
        data = super().clean()
        if self.data.get("action") == "verify" and not (data.get("code") or "").strip():
            self.add_error("code", "请输入短信验证码。")
        return data


class OfflineApplyForm(forms.Form):
    project = ProjectChoiceField(
        label="认证小区",
        queryset=None,
        empty_label="请选择小区",
        error_messages={
            "required": "请选择申请线下认证的小区。",
            "invalid_choice": "请选择您已绑定房屋的小区。",
        },
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
