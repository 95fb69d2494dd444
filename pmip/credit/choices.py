from django.db import models


class SubjectKind(models.TextChoices):
    """The six credit subject types (owner manual ch. 11 §2)."""

    COMPANY = "company", "物业企业"
    PROJECT_LEADER = "project_leader", "项目负责人"
    COMMITTEE_MEMBER = "committee_member", "业委会成员"
    OWNER = "owner", "业主"
    EXECUTIVE_SECRETARY = "executive_secretary", "业委会执行秘书"
    SUPERVISOR = "supervisor", "业主监事（会）"


NATURAL_PERSONS = frozenset(SubjectKind.values) - {SubjectKind.COMPANY}


class Polarity(models.TextChoices):
    GOOD = "good", "良好信息"
    BAD = "bad", "不良信息"


class Severity(models.TextChoices):
    """Severity of a bad entry: sets its default validity; serious entries put the subject on the 失信名单."""

    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    DISPUTED = "disputed", "异议处理中"
    WITHDRAWN = "withdrawn", "已撤销"


class DisputeState(models.TextChoices):
    PENDING = "pending", "处理中"
    UPHELD = "upheld", "维持"
    WITHDRAWN = "withdrawn", "撤销信息"


class Category(models.TextChoices):
    """Entry types; the policy says which types of an owner's bad entries are public."""

    AWARD = "award", "表彰奖励"
    INSPECTION = "inspection", "检查考核"
    CONTRACT = "contract", "合同履约"
    FUNDS = "funds", "资金管理"
    CONDUCT = "conduct", "履职行为"
    ARREARS = "arrears", "欠缴费用"
    VIOLATION = "violation", "违法违规"
    OTHER = "other", "其他"
