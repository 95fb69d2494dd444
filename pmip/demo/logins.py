"""The demo log-ins and owners as read back from the database, the registry digest, count formatting."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError

from pmip.core import crypto
from pmip.core.idnumbers import ID_TYPES
from pmip.demo.specs import DEMO_OWNERS, DEMO_PASSWORD, DEMO_STAFF
from pmip.identity.models import Account
from pmip.registry.models import (
    Project,
    TitleRecord,
    Unit,
)

# --------------------------------------------------------------------------------------------------------------
# Reading the demo facts back
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    mobile: str
    role: str


@dataclass(frozen=True)
class DemoOwner:
    role: str
    name: str
    id_type_label: str
    id_number: str
    phone: str
    units: tuple[str, ...]


def demo_login_facts() -> tuple[list[DemoLogin], list[DemoOwner]]:
    """The demo log-ins that exist in the database (staff, operator) and the demo owners with their units."""
    accounts = {
        a.username: a
        for a in Account.objects.filter(username__in=[s.username for s in DEMO_STAFF]).prefetch_related(
            "staff_roles__district",
            "staff_roles__subdistrict",
            "staff_roles__project",
            "staff_roles__company",
        )
    }
    logins = []
    for spec in DEMO_STAFF:
        account = accounts.get(spec.username)
        if account is None:
            continue
        roles = list(account.staff_roles.all())
        if spec.level == "operator":
            role = "平台运维（/ops/，超级用户）"
        elif roles:
            r = roles[0]
            role = f"{r}{'，可编辑' if r.can_edit else '，只读'}"
        else:
            role = "（无角色）"
        logins.append(DemoLogin(spec.username, DEMO_PASSWORD, account.mobile, role))
    owners = []
    hashes = {}
    for spec in DEMO_OWNERS:
        hashes[(spec.id_type, crypto.id_number_hash(spec.id_type, spec.id_number))] = spec
    titles = (
        TitleRecord.objects.current()
        .filter(id_number_hash__in=[h for _t, h in hashes])
        .select_related("unit__building", "unit__project")
        .order_by("unit__project__code", "unit__building__number", "unit__number")
    )
    units_of: dict[str, list[str]] = {s.key: [] for s in DEMO_OWNERS}
    for t in titles:
        spec = hashes.get((t.id_type, t.id_number_hash))
        if spec is None:
            continue
        u = t.unit
        share = "" if t.share == 1 else f"，份额{t.share.normalize()}"
        units_of[spec.key].append(
            f"{u.project.name}（{u.project.code}）{u.building.number}-{u.number}，{u.get_use_display()}{u.area}㎡{share}"
        )
    for spec in DEMO_OWNERS:
        if units_of[spec.key]:
            owners.append(
                DemoOwner(
                    spec.role,
                    spec.name,
                    ID_TYPES[spec.id_type],
                    spec.id_number,
                    spec.phone,
                    tuple(units_of[spec.key]),
                )
            )
    return logins, owners


def demo_logins() -> list[str]:
    """Printable lines with the demo log-ins and demo owners (empty when no demo data is loaded)."""
    try:
        logins, owners = demo_login_facts()
    except DatabaseError:
        return []
    if not logins and not owners:
        return []
    lines = [f"演示账号（仅供演示，密码均为 {DEMO_PASSWORD}；后台登录还需短信验证码，见 SMS outbox）："]
    for login in logins:
        lines.append(f"  {login.username:<17} 手机 {login.mobile:<15} {login.role}")
    if owners:
        lines.append("演示业主（业主端“业主身份绑定”时填写；验证码发往下列手机号，见 SMS outbox）：")
        for o in owners:
            lines.append(f"  {o.name} — {o.role}")
            lines.append(f"      {o.id_type_label} {o.id_number}，手机 {o.phone}")
            for unit in o.units:
                lines.append(f"      {unit}")
    return lines


def registry_digest() -> str:
    """SHA-256 over the registry's projects, units, areas and title holders (to compare two loads)."""
    h = hashlib.sha256()
    for row in Project.objects.order_by("code").values_list("code", "name", "address", "district__name"):
        h.update(repr(row).encode())
    units = Unit.objects.order_by("project__code", "building__number", "number").values_list(
        "project__code", "building__number", "number", "floor", "use", "area", "area_source", "delivered",
        "developer_held",
    )  # fmt: skip
    for row in units.iterator(chunk_size=10_000):
        h.update(repr(row).encode())
    titles = TitleRecord.objects.order_by(
        "unit__project__code", "unit__building__number", "unit__number", "id_number_hash"
    ).values_list("unit__project__code", "unit__building__number", "unit__number", "holder_name", "id_type",
                  "id_number_hash", "share", "registered_on")  # fmt: skip
    for row in titles.iterator(chunk_size=10_000):
        h.update(repr(row).encode())
    return h.hexdigest()


def format_counts(counts: dict[str, Any], lines: Iterable[str] = ()) -> str:
    labels = {
        "districts": "行政区",
        "subdistricts": "街道",
        "communities": "社区",
        "companies": "物业服务企业",
        "banks": "数据共享银行",
        "projects": "物业项目",
        "buildings": "楼栋",
        "units": "房屋",
        "units_residential": "  其中住宅",
        "units_commercial": "  其中商业",
        "units_office": "  其中办公",
        "units_parking": "  其中车位",
        "units_storage": "  其中储藏室",
        "units_developer_held": "  建设单位持有（未售或已售未交付）",
        "units_undelivered": "  未交付",
        "units_co_owned": "  共有房屋",
        "titles": "产权登记",
        "holders": "产权人",
        "holders_with_several_units": "  其中多套房产权人",
        "assemblies": "业主大会",
        "committees": "业委会/筹备组/换届小组",
        "committee_members": "成员",
        "party_branches": "党支部",
        "practitioners": "从业人员",
        "search_grams": "项目检索索引",
        "facilities": "设施设备",
        "inspections": "安全检查",
        "accounts": "演示账号",
        "meetings": "业主大会会议（公告中、投票中、已公布结果）",
        "online_ballots": "其他业主已投的网络选票",
        "bound_demo_owners": "已绑定并人脸认证的演示业主",
        "bound_other_owners": "已绑定的其他业主",
        "rehearsal_meetings": "演练会议（投票中，不计入统计）",
        "open_repairs": "待表决的维修申报",
        "inbox_messages": "业主消息（会议公告、开始投票、结果公布）",
    }
    out = [*lines]
    for key, label in labels.items():
        if key in counts:
            out.append(f"  {label}：{counts[key]:,}")
    return "\n".join(out)
