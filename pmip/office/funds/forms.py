"""Forms of 维修资金 in the back office: they check the shape of input; the services in `pmip.funds` check the rules
(amounts to the fen, scopes, permissions, duplicates) and their messages are shown on the same form."""

from __future__ import annotations

import re

from django import forms

from pmip.funds.choices import (
    DisclosureKind,
    DisclosureStatus,
    EmergencyKind,
    EntryKind,
    InterestMethod,
    RepairScopeKind,
    ReportSection,
)

UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx")
_CODE_SPLIT = re.compile(r"[\s,，、;；]+")
_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    """Amounts stay text here: the service parses them exactly (Decimal, at most two places, never float)."""
    return forms.CharField(
        label=label,
        max_length=20,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": f"请填写{label}。"},
    )


class ConfirmMixin(forms.Form):
    confirm = forms.BooleanField(
        label="我已核对以上内容，确认办理（记账后不能修改或删除，更正只能另记冲正）",
        required=True,
        error_messages={"required": "请勾选确认后再提交。"},
    )


class ConfirmForm(forms.Form):
    """The confirmation of an irreversible step that is not a posting (公示, 公布, 销户)."""

    confirm = forms.BooleanField(
        label="我已核对以上内容，确认办理（此操作不能撤回）",
        required=True,
        error_messages={"required": "请勾选确认后再提交。"},
    )


# --- browsing ---------------------------------------------------------------------------------------------------


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *EntryKind.choices])
    building = forms.ChoiceField(label="楼栋", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=_date_widget())
    date_to = forms.DateField(label="截止日期", required=False, widget=_date_widget())

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [
            ("", "全部楼栋"),
            *[(str(b.pk), f"{b.number}栋") for b in buildings],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data


class DisclosureFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *DisclosureKind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *DisclosureStatus.choices]
    )


# --- repairs ----------------------------------------------------------------------------------------------------


def parse_unit_codes(text: str) -> list[tuple[str, str]]:
    """'1-101, 1-102\n2-101' -> [('1', '101'), ('1', '102'), ('2', '101')] (order kept, duplicates dropped).
    Raises ValidationError naming every code that is not 楼栋号-房号."""
    pairs: list[tuple[str, str]] = []
    bad: list[str] = []
    for code in _CODE_SPLIT.split((text or "").strip()):
        if not code:
            continue
        building, sep, number = code.partition("-")
        if not sep or not building or not number:
            bad.append(code)
        elif (building, number) not in pairs:
            pairs.append((building, number))
    if bad:
        raise forms.ValidationError(f"房号格式应为“楼栋号-房号”，如 1-101：{'、'.join(bad[:10])}。")
    return pairs


class RepairForm(forms.Form):
    """维修申报. The scope is the whole project, some buildings, or units typed as 楼栋号-房号 codes."""

    title = forms.CharField(
        label="维修项目", max_length=100, error_messages={"required": "请填写维修项目名称。"}
    )
    contractor = forms.CharField(label="施工单位", max_length=120, required=False)
    amount = _money_field("维修金额（元）")
    started_on = forms.DateField(label="开工日期", required=False, widget=_date_widget())
    finished_on = forms.DateField(label="完工日期", required=False, widget=_date_widget())
    scope_kind = forms.ChoiceField(
        label="分摊范围",
        choices=RepairScopeKind.choices,
        initial=RepairScopeKind.BUILDINGS,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    buildings = forms.MultipleChoiceField(
        label="涉及楼栋",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        help_text="范围为“指定楼栋”时选择",
    )
    unit_codes = forms.CharField(
        label="涉及房屋",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：1-101, 1-102, 2-101"}),
        help_text="范围为“指定房屋”时填写，格式“楼栋号-房号”，用逗号、空格或换行分隔",
    )
    emergency_kind = forms.ChoiceField(
        label="紧急维修",
        required=False,
        choices=EmergencyKind.choices,
        help_text="紧急维修可在业主表决前先行使用维修资金，入账后系统生成紧急维修公示",
    )
    decision_ref = forms.CharField(
        label="业主共同决定编号",
        max_length=64,
        required=False,
        help_text="使用维修资金须经业主共同决定（紧急维修除外）",
    )
    description = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = [(str(b.pk), f"{b.number}栋") for b in buildings]

    def clean_unit_codes(self) -> list[tuple[str, str]]:
        return parse_unit_codes(self.cleaned_data.get("unit_codes", ""))

    def clean(self):
        data = super().clean()
        scope = data.get("scope_kind")
        if scope == RepairScopeKind.BUILDINGS and not data.get("buildings"):
            self.add_error("buildings", "请选择维修涉及的楼栋。")
        if scope == RepairScopeKind.UNITS and "unit_codes" in data and not data["unit_codes"]:
            self.add_error("unit_codes", "请填写维修涉及的房屋。")
        start, end = data.get("started_on"), data.get("finished_on")
        if start and end and end < start:
            self.add_error("finished_on", "完工日期不能早于开工日期。")
        return data


class ChargeForm(ConfirmMixin):
    """分摊入账 of a draft repair: the digest of the preview the user looked at travels with the form, so what is
    posted is exactly what was shown (a changed scope or area makes the view refuse and show the new preview)."""

    occurred_on = forms.DateField(label="记账日期", required=False, widget=_date_widget())
    preview_digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


class CancelRepairForm(ConfirmMixin):
    reason = forms.CharField(
        label="撤销原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写撤销原因。"},
    )


class ReverseForm(ConfirmMixin):
    reason = forms.CharField(
        label="冲正原因",
        max_length=180,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写冲正原因。"},
    )
    occurred_on = forms.DateField(
        label="冲正日期", required=False, widget=_date_widget(), help_text="不填为今天"
    )


# --- postings ---------------------------------------------------------------------------------------------------


class FirstDepositForm(ConfirmMixin):
    occurred_on = forms.DateField(
        label="缴存日期", required=False, widget=_date_widget(), help_text="不填为今天"
    )
    unit_codes = forms.CharField(
        label="房屋",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "不填：为所有尚未缴存首期的房屋记账"}),
        help_text="只为部分房屋记账时填写，格式“楼栋号-房号”；填写的房屋须都未缴存首期",
    )

    def clean_unit_codes(self) -> list[tuple[str, str]]:
        return parse_unit_codes(self.cleaned_data.get("unit_codes", ""))


class MonthlyForm(ConfirmMixin):
    period = forms.CharField(
        label="月份",
        max_length=7,
        help_text="格式 YYYY-MM，例如 2026-03",
        error_messages={"required": "请填写月份。"},
    )
    occurred_on = forms.DateField(
        label="记账日期", required=False, widget=_date_widget(), help_text="不填为该月最后一天"
    )

    def clean_period(self) -> str:
        period = self.cleaned_data["period"].strip()
        if not _PERIOD_RE.match(period):
            raise forms.ValidationError("月份格式应为 YYYY-MM，例如 2026-03。")
        return period


class ReceiveInterestForm(ConfirmMixin):
    amount = _money_field("利息金额（元）")
    occurred_on = forms.DateField(
        label="到账日期", required=False, widget=_date_widget(), help_text="不填为今天"
    )
    period = forms.CharField(label="所属期间", max_length=10, required=False, help_text="如 2026Q1")
    memo = forms.CharField(label="摘要", max_length=200, required=False)


class AllocateInterestForm(forms.Form):
    period_end = forms.DateField(
        label="计息截止日期", widget=_date_widget(), error_messages={"required": "请填写计息截止日期。"}
    )
    period_start = forms.DateField(
        label="计息起始日期", required=False, widget=_date_widget(), help_text="按日均余额分配时必填"
    )
    method = forms.ChoiceField(
        label="分配方式", required=False, choices=[("", "按本小区设置"), *InterestMethod.choices]
    )
    amount = _money_field("分配金额（元）", required=False, help_text="不填为全部待分配利息")
    period = forms.CharField(label="所属期间", max_length=10, required=False, help_text="如 2026Q1")


# --- files ------------------------------------------------------------------------------------------------------


class UploadForm(ConfirmMixin):
    file = forms.FileField(
        label="文件",
        help_text="支持 .xlsx 或 .csv（UTF-8），不超过2MB；任何一行有错误都不会导入",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )
    confirm = forms.BooleanField(
        label="我已核对文件，确认导入（导入后的记录不能修改或删除，更正只能另记冲正）",
        required=True,
        error_messages={"required": "请勾选确认后再提交。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError("只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。")
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError("文件不能超过2MB，请分批导入。")
        return upload


# --- common funds -----------------------------------------------------------------------------------------------


class AccountOpenForm(forms.Form):
    bank = forms.ModelChoiceField(
        label="数据共享银行",
        queryset=None,
        empty_label="请选择银行",
        error_messages={"required": "请选择银行。", "invalid_choice": "请选择列表中的银行。"},
    )
    name = forms.CharField(label="户名", max_length=100, error_messages={"required": "请填写户名。"})
    number = forms.CharField(
        label="银行账号",
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="8至32位数字；系统加密保存，页面只显示前4位和后4位",
        error_messages={"required": "请填写银行账号。"},
    )
    opened_on = forms.DateField(label="开户日期", required=False, widget=_date_widget())

    def __init__(self, *args, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks


# --- disclosures and reports ------------------------------------------------------------------------------------


class NoticeForm(forms.Form):
    title = forms.CharField(label="标题", max_length=120, error_messages={"required": "请填写标题。"})
    body = forms.CharField(
        label="内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写公开内容。"},
    )


class ReportOpenForm(forms.Form):
    year = forms.IntegerField(
        label="年份", min_value=2000, max_value=2100, error_messages={"required": "请填写年份。"}
    )
    quarter = forms.TypedChoiceField(
        label="季度", coerce=int, choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)]
    )


class ReportLineForm(forms.Form):
    section = forms.ChoiceField(label="栏目", choices=ReportSection.choices)
    item = forms.CharField(label="项目", max_length=100, error_messages={"required": "请填写项目名称。"})
    counterparty = forms.CharField(label="对方单位", max_length=100, required=False)
    voucher_no = forms.CharField(label="凭证号", max_length=40, required=False)
    amount = _money_field("金额（元）")
    note = forms.CharField(label="备注", max_length=200, required=False)


class ReconcileForm(forms.Form):
    project_code = forms.CharField(
        label="物业项目编号",
        max_length=32,
        required=False,
        help_text="不填：核对全市所有有维修资金数据的小区",
    )


class CorrectReportForm(forms.Form):
    """更正 a published quarterly report: what changes and why (shown to owners with the new version)."""

    note = forms.CharField(
        label="更正说明",
        max_length=1000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "如：第2季度业务支出漏记电梯年检费 3,200.00 元，补记。"}
        ),
        error_messages={"required": "请填写更正说明：更正了什么、为什么更正。"},
        help_text="业主查看新版本时会看到这段说明",
    )
