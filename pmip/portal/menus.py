"""The owner portal's menu tree, as data (owner manual ch. 1, 2, 6, 11).

首页 → 业务办理 (服务大厅) → 物业 → 我的小区 / 信息公开 / 互动交流. Every entry links to a built page (the
"功能建设中" placeholder page is gone, issue 10): add an entry only together with its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    """One menu item: a label and the link to a built page."""

    label: str
    url_name: str
    args: tuple[str, ...] = ()
    desc: str = ""
    icon: str = "info"
    tone: str = "green"

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


@dataclass(frozen=True)
class Group:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Menu:
    """A menu page. layout: "grid" (icon tiles) or "cells" (WeUI list). `tabs` render as a WeUI navbar."""

    key: str
    title: str
    back: str
    tab: str
    layout: str
    groups: tuple[Group, ...]
    intro: str = ""
    tabs: tuple[Entry, ...] = field(default=())

    @property
    def entries(self) -> list[Entry]:
        return [e for g in self.groups for e in g.entries] + list(self.tabs)


MENUS: dict[str, Menu] = {
    "hall": Menu(
        key="hall",
        title="服务大厅",
        back="portal:home",
        tab="home",
        layout="grid",
        intro="选择要办理的业务类别。",
        groups=(
            Group(
                "业务办理",
                (Entry("物业", "portal:property", desc="我的小区、信息公开、互动交流", icon="building"),),
            ),
        ),
    ),
    "property": Menu(
        key="property",
        title="物业",
        back="portal:hall",
        tab="home",
        layout="cells",
        groups=(
            Group(
                "物业",
                (
                    Entry(
                        "我的小区",
                        "portal:mine",
                        desc="物业服务、业主评价、业主身份绑定、被委托人认证",
                        icon="home",
                    ),
                    Entry(
                        "信息公开",
                        "portal:disclosure",
                        desc="物业信息、信用信息、物业服务评价、维修金概览",
                        icon="doc",
                        tone="blue",
                    ),
                    Entry(
                        "互动交流",
                        "portal_enquiries:index",
                        ("community",),
                        desc="业主提出问题，查看相关部门的答复。",
                        icon="chat",
                        tone="orange",
                    ),
                ),
            ),
        ),
    ),
    "mine": Menu(
        key="mine",
        title="我的小区",
        back="portal:property",
        tab="mine",
        layout="cells",
        groups=(
            Group(
                "我的小区",
                (
                    Entry(
                        "物业服务",
                        "portal:service",
                        desc="业主决策、委托管理、维修资金、项目信息等",
                        icon="building",
                    ),
                    Entry(
                        "业主评价",
                        "portal_evaluation:index",
                        desc="对本小区的物业管理处和业委会进行评价。",
                        icon="star",
                        tone="orange",
                    ),
                    Entry(
                        "业主身份绑定",
                        "portal_account:binding",
                        desc="核对产权登记信息后，把您名下的房屋绑定到本账号。",
                        icon="idcard",
                        tone="blue",
                    ),
                    Entry(
                        "被委托人认证",
                        "portal_delegation:delegate",
                        desc="被委托人验证本人身份后，代替业主查看公开信息、参与决策和评价。",
                        icon="delegate",
                        tone="blue",
                    ),
                ),
            ),
        ),
    ),
    "service": Menu(
        key="service",
        title="物业服务",
        back="portal:mine",
        tab="mine",
        layout="grid",
        groups=(
            Group(
                "物业服务",
                (
                    Entry(
                        "业主决策",
                        "portal_decisions:home",
                        desc="推选投票人，参与本小区业主大会的电子投票。",
                        icon="vote",
                    ),
                    Entry(
                        "委托管理",
                        "portal_delegation:index",
                        desc="发起委托、查看被委托人、解除委托。",
                        icon="delegate",
                        tone="blue",
                    ),
                    Entry(
                        "维修资金情况",
                        "portal_funds:index",
                        desc="查看已绑定房屋所在小区、楼栋和房屋的维修资金概况与明细。",
                        icon="wallet",
                        tone="orange",
                    ),
                    Entry(
                        "项目信息",
                        "portal:my_project",
                        desc="本小区的基础信息、物业公司、业主委员会、业主情况、电子投票等",
                        icon="building",
                        tone="blue",
                    ),
                    Entry(
                        "信息公开",
                        "portal_funds:disclosures",
                        desc="查询本小区的大额资金转账公示及其他信息公开内容。",
                        icon="doc",
                    ),
                    Entry(
                        "评价小区",
                        "portal_evaluation:index",
                        desc="我要评价、评价排名、评价记录和评价统计。",
                        icon="star",
                        tone="orange",
                    ),
                    Entry(
                        "季度收支报表",
                        "portal_funds:reports",
                        desc="查看本小区应收账款、维修金收支和业务收支明细表。",
                        icon="chart",
                        tone="blue",
                    ),
                    Entry(
                        "业主共有资金",
                        "portal_funds:common",
                        desc="查看本小区已开通账户的流水信息。",
                        icon="coin",
                        tone="orange",
                    ),
                    Entry(
                        "小区气象公告栏",
                        "portal_weather:index",
                        desc="选择小区，查询该小区的气象信息。",
                        icon="weather",
                        tone="blue",
                    ),
                    Entry(
                        "招标投标情况",
                        "portal_tendering:index",
                        desc="查看本小区物业服务招标投标的各阶段情况。",
                        icon="clipboard",
                    ),
                ),
            ),
        ),
    ),
    "disclosure": Menu(
        key="disclosure",
        title="信息公开",
        back="portal:property",
        tab="disclosure",
        layout="cells",
        tabs=(
            Entry("物业信息", "portal:disclosure"),
            Entry("信用信息", "portal_public:credit"),
            Entry("物业服务评价", "portal_public:service_evaluation"),
            Entry("维修金概览", "portal_funds:overview"),
        ),
        groups=(
            Group(
                "物业信息",
                (
                    Entry(
                        "数据共享银行",
                        "portal_public:banks",
                        desc="查看全市有哪些银行支持开立业主共有资金账户。",
                        icon="bank",
                        tone="blue",
                    ),
                    Entry(
                        "物业企业查询",
                        "portal_public:companies",
                        desc="按企业名称、统一社会信用代码或拼音首字母搜索全市物业服务企业",
                        icon="company",
                        tone="blue",
                    ),
                    Entry(
                        "物业项目查询",
                        "portal:project_search",
                        desc="按名称、地址、项目编号或拼音首字母搜索全市物业项目",
                        icon="search",
                    ),
                    Entry(
                        "从业人员查询",
                        "portal_public:practitioners",
                        desc="搜索物业从业人员（掩码姓名、所在企业、岗位、证书编号）",
                        icon="badge",
                        tone="orange",
                    ),
                    Entry(
                        "业主大会查询",
                        "portal_public:assemblies",
                        desc="搜索业主大会：备案编号、业委会任期、开户银行",
                        icon="people",
                        tone="orange",
                    ),
                ),
            ),
        ),
    ),
}


@dataclass(frozen=True)
class Module:
    """A module on the home page (manual ch. 1: 信息公开 / 业务办理 / 政民互动)."""

    label: str
    desc: str
    entry: Entry


HOME_MODULES: tuple[Module, ...] = (
    Module(
        "信息公开",
        "物业信息、信用信息、评价与维修金",
        Entry("信息公开", "portal:disclosure", icon="doc", tone="blue"),
    ),
    Module("业务办理", "服务大厅：物业等业务", Entry("业务办理", "portal:hall", icon="briefcase")),
    Module(
        "政民互动",
        "咨询、建议与投诉",
        Entry("政民互动", "portal_enquiries:index", ("government",), icon="chat", tone="orange"),
    ),
)

HOME_SHORTCUTS: tuple[Entry, ...] = (
    Entry(
        "物业项目查询",
        "portal:project_search",
        desc="按名称、地址、项目编号或拼音首字母搜索",
        icon="search",
    ),
    Entry("我的小区", "portal:mine", desc="物业服务、业主评价、身份绑定", icon="home", tone="blue"),
    Entry(
        "业主身份绑定",
        "portal_account:binding",
        desc="核对产权登记信息后，把您名下的房屋绑定到本账号。",
        icon="idcard",
        tone="orange",
    ),
)


@dataclass(frozen=True)
class ProjectSection:
    """One item of the 项目信息 sub-menu (manual ch. 6), each with its own template."""

    slug: str
    title: str
    icon: str


PROJECT_SECTIONS: tuple[ProjectSection, ...] = (
    ProjectSection("basic", "基础信息", "info"),
    ProjectSection("company", "物业公司", "company"),
    ProjectSection("committee", "业主委员会", "people"),
    ProjectSection("party-branch", "党支部", "flag"),
    ProjectSection("owners", "业主情况", "home"),
    ProjectSection("inspections", "安全检查", "inspect"),
    ProjectSection("voting", "电子投票", "vote"),
    ProjectSection("facilities", "设施设备", "gear"),
)
SECTIONS_BY_SLUG = {s.slug: s for s in PROJECT_SECTIONS}
