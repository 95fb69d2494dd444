"""What every credit write shares: the audit action labels, the issuing office of the acting account, the text
cleaner for free text shown to others, the default validity of an entry."""

from __future__ import annotations

import datetime as dt
from functools import partial

from pmip.core.errors import NotFound, PermissionDenied
from pmip.core.text import clean_text
from pmip.credit import scoring, selectors
from pmip.credit.choices import Polarity, Severity
from pmip.credit.models import CreditSubject
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import roles_of

ACTIONS = {
    "credit.subject.created": "新建信用档案",
    "credit.entry.created": "录入信用信息",
    "credit.entries.imported": "批量导入信用信息",
    "credit.dispute.filed": "提出信用异议",
    "credit.dispute.upheld": "异议处理：维持信用信息",
    "credit.dispute.withdrawn": "异议处理：撤销信用信息",
    "credit.inspection.recorded": "录入主管部门考核得分",
    "credit.risk.entered": "进入风险名单",
    "credit.risk.left": "移出风险名单",
    "credit.policy.updated": "修改信用评分规则",
}

# Free text shown to others (comments, replies, names, entries): the core cleaner with control characters dropped.
_text = partial(clean_text, required=False, strip_controls=True)


def _office_label(actor) -> tuple[str, int | None]:
    """(issuing office name, district id or None for a city office). Only city and district offices issue."""
    roles = roles_of(actor)
    if roles and not any(role.can_edit for role in roles):
        raise PermissionDenied("您的账号为只读权限，不能录入或处理信用信息。")
    roles = [
        role for role in roles if role.can_edit
    ]  # read-only roles issue nothing, as in funds and tendering
    for role in roles:
        if role.level == ScopeLevel.CITY:
            return (role.title or "市住房和建设局", None)
    for role in roles:
        if role.level == ScopeLevel.DISTRICT:
            district = role.district
            assert district is not None  # a district role names its district (StaffRole's check constraint)
            return (role.title or f"{district.name}住房和建设局", role.district_id)
    raise PermissionDenied("只有市、区住房建设部门可以录入信用信息。")


def _require_manage(actor, subject: CreditSubject) -> None:
    _office_label(actor)
    if not selectors.office_may_manage(actor, subject):
        raise NotFound()


def default_validity(polarity: str, severity: str, issued_on: dt.date, policy=None) -> dt.date:
    policy = policy or scoring.get_policy()
    days = {
        "": policy.good_validity_days,
        Severity.MINOR: policy.minor_validity_days,
        Severity.GENERAL: policy.general_validity_days,
        Severity.SERIOUS: policy.serious_validity_days,
    }[severity if polarity == Polarity.BAD else ""]
    return issued_on + dt.timedelta(days=days)
