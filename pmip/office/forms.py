"""Back-office forms: they check the shape of input; the services check the rules."""

from __future__ import annotations

from django import forms

from pmip.registry.selectors import communities_of_subdistrict, get_company_by_credit_code


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="短信验证码",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
        error_messages={"min_length": "请输入6位数字验证码。", "max_length": "请输入6位数字验证码。"},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("请输入6位数字验证码。")
        return code


class ProjectSearchForm(forms.Form):
    q = forms.CharField(label="关键词", max_length=50, required=False)
    district = forms.ChoiceField(label="行政区", required=False)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "全部行政区"), *[(d.code, d.name) for d in districts]]


class ProjectEditForm(forms.Form):
    """基础信息. The company is chosen by its 统一社会信用代码 (there are thousands of companies)."""

    name = forms.CharField(label="项目名称", max_length=100, error_messages={"required": "请填写项目名称。"})
    address = forms.CharField(label="地址", max_length=200, error_messages={"required": "请填写地址。"})
    service_phone = forms.CharField(label="客服电话", max_length=30, required=False)
    company_credit_code = forms.CharField(
        label="物业服务企业（统一社会信用代码）",
        max_length=18,
        required=False,
        help_text="填写18位统一社会信用代码；留空表示暂无物业服务企业。",
    )
    community = forms.ModelChoiceField(
        label="社区",
        queryset=None,
        required=False,
        empty_label="（未指定）",
        error_messages={"invalid_choice": "所选社区不属于该项目所在的街道。"},
    )

    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_of_subdistrict(subdistrict_id=project.subdistrict_id)

    @classmethod
    def initial_for(cls, project) -> dict:
        return {
            "name": project.name,
            "address": project.address,
            "service_phone": project.service_phone,
            "company_credit_code": project.company.credit_code if project.company else "",
            "community": project.community_id,
        }

    def clean_company_credit_code(self):
        code = self.cleaned_data["company_credit_code"].strip().upper()
        if not code:
            return None
        company = get_company_by_credit_code(credit_code=code)
        if company is None:
            raise forms.ValidationError("未找到该统一社会信用代码对应的物业服务企业。")
        return company
