"""Forms of 业主决策 in the back office: they check the shape of input; the services check the rules.

Times are typed in Shanghai time (`datetime-local` inputs) and arrive aware (TIME_ZONE is Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt

from django import forms

from pmip.core import clock
from pmip.decisions.choices import (
    Choice,
    ConvenerKind,
    ElectionRanking,
    MatterItem,
    MatterKind,
    MatterScope,
    MeetingState,
    MeetingType,
    PublicityKind,
)
from pmip.decisions.rules import MAJOR_ITEMS
from pmip.decisions.services import CANDIDATE_NAME_MAX, TITLE_MAX

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PROJECT_SELECT_LIMIT = 300  # more projects in scope than this: type the project code instead

# Each [configurable] rule (domain-rules §1) with its default and a short explanation.
SETTING_HELP = {
    "notice_days": "可配置，默认15日。《物业管理条例》第十四条：召开业主大会会议，应当于会议召开15日以前通知全体业主。"
    "会议通知须在投票开始前至少这么多天公告，否则不能发布。",
    "include_parking_storage": "可配置，默认不计入。勾选后车位、储藏室也作为专有部分计入投票面积和人数。",
    "non_voters_follow_majority": "可配置，默认关闭。“未投票视为同意多数”自2021年民法典施行后合法性存疑；"
    "开启后结果同时列出不适用从众时的数字。",
    "allow_ballot_change": "可配置，默认不允许：业主投票后不能修改。勾选后截止前可修改，以最后一次为准。",
    "election_ranking": "可配置，默认先按同意人数、再按同意面积。仅在选举中通过的候选人多于应选人数时使用。",
}
REHEARSAL_HELP = (
    "演练会议供召集人练习发布通知、开始投票、截止和公布结果，也让业主试用投票，不必等待两周："
    "会议通知只需在投票开始前若干分钟发布（下面的“演练通知提前分钟数”代替“会议通知提前天数”），"
    "投票时间也可以只有几分钟。会议名称自动加上“【演练】”，业主和后台的每个页面、每条消息都标明“演练”；"
    "演练结果不产生法律效力，不计入本小区的电子投票统计和公开数据，也不能作为招标等事项的依据。"
    "创建后不能改为正式会议，正式会议也不能改为演练。"
)


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def item_choices() -> list[tuple[int, str]]:
    """Art. 278 items by name, with the class that follows from each."""
    out = []
    for value, label in MatterItem.choices:
        cls = "重大事项，须四分之三同意" if value in MAJOR_ITEMS else "一般事项，须过半数同意"
        out.append((value, f"第{value}项：{label}（{cls}）"))
    return out


class MeetingFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *MeetingState.choices])


class MeetingForm(forms.Form):
    """会议: title, type, schedule and the rule settings. The project and convener only when creating."""

    project = forms.ChoiceField(label="物业项目", error_messages={"required": "请选择物业项目。"})
    convener_kind = forms.ChoiceField(
        label="召集人", choices=ConvenerKind.choices, error_messages={"required": "请选择召集人。"}
    )
    title = forms.CharField(
        label="会议名称",
        max_length=TITLE_MAX,
        error_messages={"required": "请填写会议名称。", "max_length": f"会议名称不能超过{TITLE_MAX}个字。"},
        widget=forms.TextInput(attrs={"placeholder": "例如：2026年第一次临时业主大会"}),
    )
    meeting_type = forms.ChoiceField(
        label="会议类型", choices=MeetingType.choices, initial=MeetingType.EXTRAORDINARY
    )
    description = forms.CharField(
        label="会议说明", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    voting_starts_at = forms.DateTimeField(
        label="投票开始时间",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=_datetime_widget(),
        error_messages={"required": "请填写投票开始时间。", "invalid": "投票开始时间格式不正确。"},
    )
    voting_ends_at = forms.DateTimeField(
        label="投票截止时间",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=_datetime_widget(),
        error_messages={"required": "请填写投票截止时间。", "invalid": "投票截止时间格式不正确。"},
    )
    notice_days = forms.IntegerField(
        label="会议通知提前天数",
        min_value=1,
        max_value=90,
        initial=15,
        help_text=SETTING_HELP["notice_days"],
        error_messages={
            "required": "请填写会议通知提前天数。",
            "min_value": "会议通知提前天数须为1至90之间的整数。",
            "max_value": "会议通知提前天数须为1至90之间的整数。",
            "invalid": "会议通知提前天数须为1至90之间的整数。",
        },
    )
    rehearsal = forms.BooleanField(label="这是演练会议（演练）", required=False, help_text=REHEARSAL_HELP)
    notice_minutes = forms.IntegerField(
        label="演练通知提前分钟数",
        required=False,
        min_value=1,
        max_value=1440,
        initial=5,
        help_text="仅演练会议使用：会议通知须在投票开始前至少这么多分钟发布（1至1440分钟）。",
        error_messages={
            "min_value": "演练通知提前分钟数须为1至1440之间的整数。",
            "max_value": "演练通知提前分钟数须为1至1440之间的整数。",
            "invalid": "演练通知提前分钟数须为1至1440之间的整数。",
        },
    )
    include_parking_storage = forms.BooleanField(
        label="车位、储藏室计入投票权数", required=False, help_text=SETTING_HELP["include_parking_storage"]
    )
    non_voters_follow_majority = forms.BooleanField(
        label="未投票业主视为同意多数（从众）",
        required=False,
        help_text=SETTING_HELP["non_voters_follow_majority"],
    )
    allow_ballot_change = forms.BooleanField(
        label="截止前允许业主修改已投选票", required=False, help_text=SETTING_HELP["allow_ballot_change"]
    )
    election_ranking = forms.ChoiceField(
        label="选举超过应选人数时的排序",
        choices=ElectionRanking.choices,
        initial=ElectionRanking.OWNERS_THEN_AREA,
        help_text=SETTING_HELP["election_ranking"],
    )

    SETTING_FIELDS = (
        "notice_days",
        "include_parking_storage",
        "non_voters_follow_majority",
        "allow_ballot_change",
        "election_ranking",
    )

    def __init__(
        self,
        *args,
        projects=None,
        convener_kinds=None,
        creating: bool = True,
        rehearsal: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.is_rehearsal = rehearsal
        if not creating:  # project, convener and whether it is a rehearsal are fixed at creation
            del self.fields["project"]
            del self.fields["convener_kind"]
            del self.fields["rehearsal"]
            if rehearsal:
                self.fields["notice_days"].required = False
                self.fields["notice_minutes"].required = True
                self.fields["notice_minutes"].error_messages["required"] = "请填写演练通知提前分钟数。"
            else:
                del self.fields["notice_minutes"]
            return
        projects = list(projects or [])
        if len(projects) <= PROJECT_SELECT_LIMIT:
            self.fields["project"].choices = [
                ("", "请选择"),
                *[(p.code, f"{p.name}（{p.code}）") for p in projects],
            ]
            if len(projects) == 1 and not self.is_bound:
                self.initial.setdefault("project", projects[0].code)
        else:
            self.fields["project"] = forms.CharField(
                label="物业项目编号",
                max_length=20,
                help_text="管辖范围内项目较多，请直接填写物业项目编号。",
                error_messages={"required": "请填写物业项目编号。"},
            )
        if convener_kinds is not None:
            self.fields["convener_kind"].choices = [
                (k, label) for k, label in ConvenerKind.choices if k in convener_kinds
            ]

    def clean(self):
        data = super().clean()
        rehearsal = data.get("rehearsal") if self.creating else self.is_rehearsal
        if rehearsal and not data.get("notice_minutes") and "notice_minutes" not in self.errors:
            self.add_error("notice_minutes", "演练会议请填写演练通知提前分钟数（例如5）。")
        return data

    @staticmethod
    def default_times() -> dict:
        """A start that respects the default 15-day notice if the notice goes out today."""
        today = clock.today()
        start = dt.datetime.combine(today + dt.timedelta(days=16), dt.time(9, 0), tzinfo=clock.SHANGHAI)
        end = dt.datetime.combine(today + dt.timedelta(days=23), dt.time(18, 0), tzinfo=clock.SHANGHAI)
        return {"voting_starts_at": start, "voting_ends_at": end}

    @staticmethod
    def initial_for(meeting) -> dict:
        return {
            "title": meeting.title,
            "meeting_type": meeting.meeting_type,
            "description": meeting.description,
            "voting_starts_at": clock.local(meeting.voting_starts_at),
            "voting_ends_at": clock.local(meeting.voting_ends_at),
            "notice_minutes": meeting.notice_minutes or None,
            **{key: getattr(meeting, key) for key in MeetingForm.SETTING_FIELDS},
        }

    def meeting_values(self) -> dict:
        """Cleaned values for create_meeting / update_meeting (without project and convener)."""
        data = self.cleaned_data
        keys = (
            "title",
            "meeting_type",
            "description",
            "voting_starts_at",
            "voting_ends_at",
            *self.SETTING_FIELDS,
        )
        values = {key: data[key] for key in keys}
        rehearsal = data.get("rehearsal") if self.creating else self.is_rehearsal
        if rehearsal:
            values["notice_minutes"] = data["notice_minutes"]
            if not self.creating:
                values.pop("notice_days")  # a rehearsal counts its notice in minutes
        if self.creating:
            values["rehearsal"] = bool(rehearsal)
        return values


class MatterForm(forms.Form):
    """议题: Art. 278 item by name (ordinary/major follows), question or election, scope."""

    title = forms.CharField(
        label="议题名称",
        max_length=TITLE_MAX,
        error_messages={"required": "请填写议题名称。", "max_length": f"议题名称不能超过{TITLE_MAX}个字。"},
    )
    item = forms.TypedChoiceField(
        label="事项类别（民法典第二百七十八条第一款）",
        coerce=int,
        choices=[],
        help_text="第6、7、8项为重大事项，须参与表决面积和人数各四分之三以上同意；其余为一般事项，须各过半数同意。",
        error_messages={"required": "请选择事项类别。"},
    )
    description = forms.CharField(
        label="议题说明", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(
        label="表决方式",
        choices=MatterKind.choices,
        initial=MatterKind.QUESTION,
        widget=forms.RadioSelect,
    )
    seats = forms.IntegerField(
        label="应选人数",
        required=False,
        min_value=1,
        max_value=99,
        help_text="仅选举填写。",
        error_messages={"min_value": "请填写应选人数（至少1人）。", "invalid": "应选人数须为整数。"},
    )
    candidates = forms.CharField(
        label="候选人",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "每行一位候选人姓名"}),
        help_text="仅选举填写：每行一位，按行的顺序编号。每位候选人单独表决同意、反对或弃权。",
    )
    scope = forms.ChoiceField(
        label="表决范围", choices=MatterScope.choices, initial=MatterScope.PROJECT, widget=forms.RadioSelect
    )
    buildings = forms.TypedMultipleChoiceField(
        label="楼栋",
        required=False,
        coerce=int,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="仅“部分楼栋业主”时选择：只有这些楼栋的房屋计入总数并可投票（如某栋的电梯、屋面）。",
    )

    # service error field → form field
    FIELD_MAP = {"building_ids": "buildings"}

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "请选择"), *item_choices()]
        self.fields["buildings"].choices = [(b.pk, str(b)) for b in buildings]

    def clean_candidates(self) -> list[str]:
        text = self.cleaned_data.get("candidates") or ""
        names = [line.strip() for line in text.splitlines() if line.strip()]
        for name in names:
            if len(name) > CANDIDATE_NAME_MAX:
                raise forms.ValidationError(f"候选人姓名不能超过{CANDIDATE_NAME_MAX}个字。")
        return names

    def clean(self):
        data = super().clean()
        if data.get("kind") == MatterKind.QUESTION:
            # an ordinary question has no seats or candidates: ignore what was left in the hidden fields
            data["seats"] = None
            data["candidates"] = []
        if data.get("scope") == MatterScope.PROJECT:
            data["buildings"] = []
        return data

    def matter_values(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "item": d["item"],
            "description": d["description"],
            "kind": d["kind"],
            "seats": d["seats"],
            "scope": d["scope"],
            "building_ids": d["buildings"],
            "candidates": d["candidates"],
        }

    @staticmethod
    def initial_for(matter) -> dict:
        return {
            "title": matter.title,
            "item": matter.item,
            "description": matter.description,
            "kind": matter.kind,
            "seats": matter.seats,
            "candidates": "\n".join(c.name for c in matter.candidates.all()),
            "scope": matter.scope,
            "buildings": [b.pk for b in matter.buildings.all()],
        }


class PublicityFileForm(forms.Form):
    kind = forms.ChoiceField(
        label="文件类型", choices=PublicityKind.choices, initial=PublicityKind.MEETING_NOTICE
    )
    title = forms.CharField(
        label="文件名称",
        max_length=TITLE_MAX,
        error_messages={"required": "请填写文件名称。", "max_length": f"文件名称不能超过{TITLE_MAX}个字。"},
    )
    upload = forms.FileField(
        label="文件",
        help_text="PDF文件或JPG、PNG图片。",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的，请重新选择。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}
        ),
    )


class ConfirmForm(forms.Form):
    """A deliberate step: the box must be ticked."""

    confirm = forms.BooleanField(label="", error_messages={"required": "请先勾选确认。"})

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="业主将在会议页面看到取消原因，最多200字。",
        error_messages={"required": "请填写取消原因。", "max_length": "取消原因不能超过200个字。"},
    )
    confirm = forms.BooleanField(
        label="我确认取消本次会议（已投的票保留但不计入结果，此操作不能撤销）。",
        error_messages={"required": "请先勾选确认。"},
    )


class PaperBallotForm(forms.Form):
    """书面表决票 of one matter: the unit (building-room as on the roll), the form number and the answer — for an
    election one answer per candidate. Entered twice by two different staff members."""

    unit = forms.CharField(
        label="房屋（楼栋-房号）",
        max_length=70,
        widget=forms.TextInput(attrs={"placeholder": "例如 1-101", "autocomplete": "off"}),
        error_messages={"required": "请填写房屋，例如 1-101。"},
    )
    form_number = forms.CharField(label="表决票编号", max_length=40, required=False)

    def __init__(self, *args, matter, **kwargs):
        kwargs.setdefault("prefix", f"m{matter.pk}")
        super().__init__(*args, **kwargs)
        self.matter = matter
        if matter.is_election:
            for c in matter.candidates.all():
                self.fields[f"candidate_{c.pk}"] = forms.ChoiceField(
                    label=f"候选人 {c.order}. {c.name}",
                    choices=Choice.choices,
                    widget=forms.RadioSelect,
                    error_messages={"required": f"请填写对候选人{c.name}的表决意见。"},
                )
        else:
            self.fields["choice"] = forms.ChoiceField(
                label="表决意见",
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "请填写表决意见。"},
            )

    def answer(self):
        if self.matter.is_election:
            return {c.pk: self.cleaned_data[f"candidate_{c.pk}"] for c in self.matter.candidates.all()}
        return self.cleaned_data["choice"]

    def choice_fields(self):
        return [self[name] for name in self.fields if name == "choice" or name.startswith("candidate_")]
