"""Choices of the funds domain (维修资金, 业主共有资金, 公示, 季度收支报表)."""

from __future__ import annotations

from django.db import models


class EntryKind(models.TextChoices):
    """Kinds of maintenance-fund ledger entries. The sign of `amount` is fixed by the kind (see LedgerEntry)."""

    FIRST_DEPOSIT = "first_deposit", "首期"
    MONTHLY = "monthly", "日常"
    INTEREST = "interest", "利息收益"
    REPAIR_CHARGE = "repair_charge", "维修支出"
    REFUND = "refund", "退款"
    TRANSFER = "transfer", "划转"
    REVERSAL = "reversal", "冲正"


# Kinds whose amount is always positive (money into the fund) and always negative (money out of the fund).
INFLOW_KINDS = (EntryKind.FIRST_DEPOSIT, EntryKind.MONTHLY, EntryKind.INTEREST)
OUTFLOW_KINDS = (EntryKind.REPAIR_CHARGE, EntryKind.REFUND)
# The category of an entry is its kind, except that a reversal takes the kind of the entry it reverses.
CATEGORIES = [c for c in EntryKind.choices if c[0] != EntryKind.REVERSAL]


class EntrySource(models.TextChoices):
    """Where an entry came from; references are unique per source (idempotent import)."""

    PLATFORM = "platform", "平台记账"
    FUND_CENTRE = "fund_centre", "资金中心导入"
    DEMO = "demo", "演示数据"


class InterestMethod(models.TextChoices):
    PERIOD_END = "period_end", "按期末余额"
    AVERAGE_DAILY = "average_daily", "按日均余额"


class RepairScopeKind(models.TextChoices):
    PROJECT = "project", "全小区"
    BUILDINGS = "buildings", "指定楼栋"
    UNITS = "units", "指定房屋"


class RepairStatus(models.TextChoices):
    DRAFT = "draft", "待分摊"
    CHARGED = "charged", "已分摊入账"
    CANCELLED = "cancelled", "已撤销"


class EmergencyKind(models.TextChoices):
    """紧急维修: may be paid before the owners vote, and must then be published."""

    NONE = "", "非紧急"
    LIFT = "lift", "电梯故障"
    ROOF = "roof", "屋面渗漏"
    FACADE = "facade", "外墙脱落等安全隐患"
    OTHER = "other", "其他危及安全的紧急情况"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "使用中"
    CLOSED = "closed", "已销户"


class FlowDirection(models.TextChoices):
    IN = "in", "收入"
    OUT = "out", "支出"


class FlowSource(models.TextChoices):
    STATEMENT = "statement", "对账单导入"
    PUSH = "push", "银行推送"
    DEMO = "demo", "演示数据"


class DisclosureKind(models.TextChoices):
    LARGE_TRANSFER = "large_transfer", "大额资金转账公示"
    EMERGENCY_REPAIR = "emergency_repair", "紧急维修公示"
    NOTICE = "notice", "其他信息公开"


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", "待公示"
    PUBLISHED = "published", "已公示"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "填报中"
    PUBLISHED = "published", "已公布"
    SUPERSEDED = "superseded", "已被更正"


class ReportSection(models.TextChoices):
    """Sections of the 季度收支报表 the committee enters. 维修金收支 is computed from the ledger."""

    RECEIVABLE = "receivable", "应收账款"
    BUSINESS_INCOME = "business_income", "业务收入"
    BUSINESS_EXPENSE = "business_expense", "业务支出"
