"""Which outside messages each notification kind produces: WeChat template ids and their typed data fields.

WeChat template messages (模板消息) carry a template id chosen in the official-account console and a `data` map of
keywords such as `thing1`, `phrase3`, `time4`. The keyword's prefix is its type, and WeChat refuses values that do
not fit it (e.g. `thing` ≤ 20 characters, `phrase` ≤ 5 汉字; see `pmip.integrations.wechat.check_field`). Callers of `notify()` pass values by meaningful names
(`house`, `project`, ...); this module maps them to the keywords, fills fixed values and defaults, and checks types.

Template ids come from settings (environment), with placeholder defaults that the embedded stand-in accepts:

    PMIP_WECHAT_TEMPLATE_BINDING_RESULT   业主身份绑定审核结果
    PMIP_WECHAT_TEMPLATE_OFFLINE_RESULT   线下认证结果
    PMIP_WECHAT_TEMPLATE_DELEGATION       委托变更
    PMIP_WECHAT_TEMPLATE_PROJECT_EVENT    小区事项进展（业主决策、招标投标…）

To add a kind: add a `KindSpec` to `KINDS` (reusing or adding a `WechatTemplate`), and a test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.conf import settings

from pmip.core import clock
from pmip.integrations.wechat import check_field

TIME_FORMAT = "%Y年%m月%d日 %H:%M"

SMS_TEMPLATE = "notification"
SMS_TEXT = "【深圳物业】{title}。详情请登录深圳市物业管理信息平台查看。"
SMS_TITLE_MAX = 20


@dataclass(frozen=True)
class TemplateField:
    """One keyword of a WeChat template. `name` is what callers pass; `key` is WeChat's keyword (type + number)."""

    name: str
    key: str
    label: str
    default: str | None = None  # None: the caller must give it (unless the kind fixes it); "" not allowed

    @property
    def type(self) -> str:
        return re.sub(r"\d+$", "", self.key)


@dataclass(frozen=True)
class WechatTemplate:
    name: str
    setting: str
    default_id: str
    fields: tuple[TemplateField, ...]

    def template_id(self) -> str:
        return getattr(settings, self.setting, "") or self.default_id

    def field(self, name: str) -> TemplateField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class KindSpec:
    """What one notification kind sends besides the inbox item."""

    kind: str
    wechat: WechatTemplate | None
    fixed: Mapping[str, str] = field(default_factory=dict)  # field name -> value fixed by the kind
    sms: bool = True  # an account that opted in to SMS also gets a short SMS


_DETAIL = "点击查看详情"

BINDING_RESULT = WechatTemplate(
    name="binding_result",
    setting="PMIP_WECHAT_TEMPLATE_BINDING_RESULT",
    default_id="pmip-binding-result",
    fields=(
        TemplateField("business", "thing1", "业务名称", default="业主身份绑定"),
        TemplateField("house", "thing2", "房屋"),
        TemplateField("result", "phrase3", "审核结果"),
        TemplateField("time", "time4", "审核时间"),
        TemplateField("remark", "thing5", "备注", default=_DETAIL),
    ),
)

OFFLINE_RESULT = WechatTemplate(
    name="offline_result",
    setting="PMIP_WECHAT_TEMPLATE_OFFLINE_RESULT",
    default_id="pmip-offline-result",
    fields=(
        TemplateField("business", "thing1", "业务名称", default="线下认证"),
        TemplateField("project", "thing2", "小区"),
        TemplateField("result", "phrase3", "认证结果"),
        TemplateField("time", "time4", "认证时间"),
        TemplateField("remark", "thing5", "备注", default=_DETAIL),
    ),
)

DELEGATION = WechatTemplate(
    name="delegation",
    setting="PMIP_WECHAT_TEMPLATE_DELEGATION",
    default_id="pmip-delegation",
    fields=(
        TemplateField("project", "thing1", "小区"),
        TemplateField("party", "thing2", "委托方/受托方"),
        TemplateField("status", "phrase3", "委托状态"),
        TemplateField("time", "time4", "变更时间"),
        TemplateField("remark", "thing5", "备注", default=_DETAIL),
    ),
)

PROJECT_EVENT = WechatTemplate(
    name="project_event",
    setting="PMIP_WECHAT_TEMPLATE_PROJECT_EVENT",
    default_id="pmip-project-event",
    fields=(
        TemplateField("project", "thing1", "小区"),
        TemplateField("subject", "thing2", "事项"),
        TemplateField("stage", "phrase3", "进展"),
        TemplateField("time", "time4", "时间"),
        TemplateField("remark", "thing5", "备注", default=_DETAIL),
    ),
)

KINDS: Mapping[str, KindSpec] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            KindSpec("identity.binding.approved", BINDING_RESULT, {"result": "已通过"}),
            KindSpec("identity.binding.rejected", BINDING_RESULT, {"result": "未通过"}),
            KindSpec("identity.offline.approved", OFFLINE_RESULT, {"result": "已通过"}),
            KindSpec("identity.offline.rejected", OFFLINE_RESULT, {"result": "未通过"}),
            KindSpec("delegation.granted", DELEGATION, {"status": "已委托"}),
            KindSpec("delegation.revoked", DELEGATION, {"status": "已撤销"}),
            KindSpec("decisions.meeting.notice", PROJECT_EVENT, {"stage": "会议公告"}),
            KindSpec("decisions.meeting.voting_opened", PROJECT_EVENT, {"stage": "开始投票"}),
            KindSpec("decisions.meeting.reminder", PROJECT_EVENT, {"stage": "投票提醒"}),
            KindSpec("decisions.meeting.results", PROJECT_EVENT, {"stage": "结果公布"}),
            KindSpec("tendering.step.stage", PROJECT_EVENT),
            KindSpec("tendering.step.notice", PROJECT_EVENT),
            KindSpec("weather.warning.severe", PROJECT_EVENT),
            KindSpec("enquiries.asker.notice", PROJECT_EVENT),
        )
    }
)


def spec_for(kind: str) -> KindSpec | None:
    return KINDS.get(kind)


def wechat_template(name: str) -> WechatTemplate | None:
    """The WeChat template an outbox payload names (payloads keep the name; the id is read at delivery)."""
    return next((s.wechat for s in KINDS.values() if s.wechat is not None and s.wechat.name == name), None)


def wechat_data(
    template: WechatTemplate, *, fixed: Mapping[str, str], data: Mapping[str, object] | None, at: dt.datetime
) -> dict[str, str]:
    """Values by WeChat keyword, e.g. {"thing2": "莲花山庄1栋101", "phrase3": "已通过", ...}.

    `time` fields accept an aware datetime and default to `at` (the notification's time, shown in Shanghai time).
    Raises ValueError for unknown names, missing values and values that do not fit their type (the type rules are
    `pmip.integrations.wechat.check_field`'s: `thing` is shortened to 20 characters, others are refused).
    """
    data = dict(data or {})
    unknown = sorted(set(data) - {f.name for f in template.fields})
    if unknown:
        raise ValueError(f"模板 {template.name} 没有字段：{'、'.join(unknown)}。")
    clashing = sorted(set(data) & set(fixed))
    if clashing:
        raise ValueError(f"字段 {'、'.join(clashing)} 由消息类型决定，不能另行指定。")
    out: dict[str, str] = {}
    for f in template.fields:
        value = fixed[f.name] if f.name in fixed else data.get(f.name, f.default)
        if f.type == "time":
            value = value if value is not None else at
            if isinstance(value, dt.datetime):
                if value.tzinfo is None:
                    raise ValueError("时间必须带时区。")
                value = clock.local(value).strftime(TIME_FORMAT)
        if value is None:
            raise ValueError(f"模板 {template.name} 缺少字段 {f.name}（{f.label}）。")
        if not isinstance(value, str):
            raise ValueError(f"模板字段 {f.name} 的值必须是文字。")
        out[f.key] = check_field(f.key, value)
    return out


def sms_params(*, title: str) -> dict[str, str]:
    title = title.strip()
    if len(title) > SMS_TITLE_MAX:
        title = title[: SMS_TITLE_MAX - 1] + "…"
    return {"title": title}


def sms_text(params: Mapping[str, str]) -> str:
    return SMS_TEXT.format(**params)
