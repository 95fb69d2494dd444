"""维修资金 (maintenance fund) ledgers, repairs, 业主共有资金 (common funds) and bank flows, 公示 (disclosures),
季度收支报表 (quarterly reports) and 关注 (follows).

The maintenance-fund ledger is append-only (domain-rules §2):

- `LedgerEntry` rows are never updated or deleted: `save()` refuses an existing row, `delete()` and the queryset's
  `update()`/`delete()` refuse, the admin is read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE.
  A correction is a reversing entry (`kind=reversal`, `reversal_of` the corrected entry, amount negated).
- `amount` is SIGNED, from the point of view of the fund: positive = money into the fund (首期, 日常, 利息收益, a
  划转 in), negative = money out of the fund (维修支出, 退款, a 划转 out). The database checks the sign per kind.
- `category` is the kind an entry counts under: its own kind, or for a reversal the kind of the reversed entry. So
  every figure is a plain sum by category, reversals included.
- An entry with `unit` set belongs to that unit's sub-ledger (分户账) and to its building; an entry without a unit
  (and without a building) is a project-level entry: the project's pool of interest not yet allocated to
  sub-ledgers (positive = received, negative = allocated out to the sub-ledgers).

`UnitBalance`, `BuildingBalance` and `ProjectBalance` are maintained in the same transaction as every entry (F()
expressions, after locking the project's balance row), so reads are O(1); `reconcile` recomputes them from the
entries and reports any difference.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from pmip.core import crypto
from pmip.core.errors import AppendOnlyError
from pmip.core.masking import mask_name
from pmip.core.money import CENT
from pmip.funds.choices import (
    CATEGORIES,
    AccountStatus,
    DisclosureKind,
    DisclosureStatus,
    EmergencyKind,
    EntryKind,
    EntrySource,
    FlowDirection,
    FlowSource,
    InterestMethod,
    RepairScopeKind,
    RepairStatus,
    ReportSection,
    ReportStatus,
)

ZERO = Decimal("0.00")


def summed(value) -> Decimal:
    """An aggregate Sum of money (or of areas) as an exact two-place Decimal. PostgreSQL sums numerics exactly;
    SQLite sums REALs and Django does not round aggregate results there, so round half up to two places (the
    float error is many orders of magnitude below a fen)."""
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能修改，更正请记一笔冲正。")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能删除，更正请记一笔冲正。")

    def _raw_delete(self, using):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能删除，更正请记一笔冲正。")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}不能修改，更正请记一笔冲正。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name}不能删除，更正请记一笔冲正。")


# --------------------------------------------------------------------------------------------------------------
# Settings per project
# --------------------------------------------------------------------------------------------------------------


class FundPolicy(models.Model):
    """A project's own fund settings (业主大会议事规则 or the fund centre's decision). A blank field falls back to
    the platform setting `PMIP_FUNDS` and then to the built-in default; `pmip.funds.policy.policy_for` resolves
    them and says which applied."""

    project = models.OneToOneField("registry.Project", on_delete=models.PROTECT, related_name="fund_policy")
    cost_standard_lift = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="有电梯住宅建安造价 元/m²"
    )
    cost_standard_no_lift = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="无电梯住宅建安造价 元/m²"
    )
    first_deposit_rate = models.DecimalField(
        max_digits=6, decimal_places=4, null=True, blank=True, help_text="首期缴存比例, 0.0200 = 2 %"
    )
    monthly_rate = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True, help_text="日常缴存 元/m²/月"
    )
    replenish_threshold_pct = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="续筹线: 余额低于首期的百分比"
    )
    interest_method = models.CharField(max_length=20, choices=InterestMethod.choices, blank=True)
    disclosure_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="大额资金转账公示门槛（元），超过即公示",
    )
    note = models.CharField(max_length=200, blank=True, help_text="依据，如业主大会决议编号")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "维修资金设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_deposit_rate__isnull=True)
                | (Q(first_deposit_rate__gt=0) & Q(first_deposit_rate__lte=1)),
                name="fundpolicy_rate_range",
                violation_error_message="首期缴存比例必须大于0且不超过100%%。",
            ),
            models.CheckConstraint(
                condition=Q(replenish_threshold_pct__isnull=True)
                | (Q(replenish_threshold_pct__gte=0) & Q(replenish_threshold_pct__lte=100)),
                name="fundpolicy_threshold_range",
                violation_error_message="续筹线必须在0%%到100%%之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} 维修资金设置"


# --------------------------------------------------------------------------------------------------------------
# Repairs (维修明细)
# --------------------------------------------------------------------------------------------------------------


class Repair(models.Model):
    """维修明细: a repair paid from the maintenance fund and charged to the units in its scope pro rata to
    exclusive area (Civil Code Art. 283).

    `decision_ref` names the owners' decision (业主共同决定) that approved the use of the fund. It is a plain text
    reference for now; it becomes a foreign key to pmip.decisions once that app exists. A repair without a decision
    may be charged only when it is an emergency (`emergency_kind` set), and must then be published (`Disclosure`
    of kind emergency_repair).
    """

    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="repairs")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    contractor = models.CharField(max_length=120, blank=True, help_text="施工单位")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    started_on = models.DateField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)
    scope_kind = models.CharField(max_length=12, choices=RepairScopeKind.choices)
    buildings = models.ManyToManyField("registry.Building", blank=True, related_name="+")
    units = models.ManyToManyField("registry.Unit", blank=True, related_name="+")
    emergency_kind = models.CharField(max_length=12, choices=EmergencyKind.choices, blank=True)
    decision_ref = models.CharField(
        max_length=64, blank=True, help_text="业主共同决定编号 (to become a FK to pmip.decisions)"
    )
    status = models.CharField(max_length=12, choices=RepairStatus.choices, default=RepairStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    charged_at = models.DateTimeField(null=True, blank=True)
    charged_on = models.DateField(null=True, blank=True, help_text="记账日期")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="repair_amount_positive",
                violation_error_message="维修金额必须大于0。",
            ),
            models.CheckConstraint(
                condition=Q(finished_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(finished_on__gte=F("started_on")),
                name="repair_dates_order",
                violation_error_message="完工日期不能早于开工日期。",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="repair_project_status_idx")]
        verbose_name = verbose_name_plural = "维修明细"

    def __str__(self) -> str:
        return f"{self.title}（{self.amount}元）"

    @property
    def is_emergency(self) -> bool:
        return bool(self.emergency_kind)


class RepairShare(models.Model):
    """One unit's share of a charged repair, as apportioned (area and exact share kept for checking)."""

    repair = models.ForeignKey(Repair, on_delete=models.PROTECT, related_name="shares")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=64, help_text="楼栋-房号, the tie-break key")
    area = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["repair_id", "label", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["repair", "unit"], name="repairshare_unique_unit")]
        verbose_name = verbose_name_plural = "维修分摊"

    def __str__(self) -> str:
        return f"{self.label} {self.amount}"


# --------------------------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------------------------

_CATEGORY_VALUES = [c[0] for c in CATEGORIES]


class LedgerEntry(AppendOnly):
    """One maintenance-fund ledger entry (分户账/总账 记录). Append-only; see the module docstring for the sign."""

    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="fund_entries")
    building = models.ForeignKey(
        "registry.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="fund_entries"
    )
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="fund_entries"
    )
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    category = models.CharField(
        max_length=16, choices=CATEGORIES, help_text="kind, or the reversed entry's kind"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="signed: + into the fund, − out")
    occurred_on = models.DateField(help_text="业务日期 (value date)")
    period = models.CharField(max_length=10, blank=True, help_text="e.g. 2026-03 (日常) or 2026Q1 (利息)")
    source = models.CharField(max_length=16, choices=EntrySource.choices, default=EntrySource.PLATFORM)
    reference = models.CharField(max_length=64, help_text="业务流水号, unique per source")
    batch = models.CharField(max_length=32, db_index=True, help_text="one id per posting call")
    repair = models.ForeignKey(
        Repair, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    memo = models.CharField(max_length=200, blank=True)
    calc = models.JSONField(
        default=dict, blank=True, help_text="how the amount was computed and which setting"
    )
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="ledger_unique_reference"),
            models.CheckConstraint(
                condition=~Q(amount=0), name="ledger_amount_nonzero", violation_error_message="金额不能为0。"
            ),
            models.CheckConstraint(
                condition=Q(category__in=_CATEGORY_VALUES),
                name="ledger_category_valid",
                violation_error_message="记账类别不正确。",
            ),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reversal_of__isnull=False))
                | (~Q(kind="reversal") & Q(reversal_of__isnull=True) & Q(category=F("kind"))),
                name="ledger_reversal_shape",
                violation_error_message="冲正记录必须指向被冲正的记录；其他记录的类别即其类型。",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["first_deposit", "monthly"]) | Q(amount__gt=0),
                name="ledger_deposit_positive",
                violation_error_message="首期和日常缴存金额必须为正数。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="interest") | Q(amount__gt=0) | Q(unit__isnull=True),
                name="ledger_interest_sign",
                violation_error_message="分户账的利息收益必须为正数。",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["repair_charge", "refund"]) | Q(amount__lt=0),
                name="ledger_outflow_negative",
                violation_error_message="维修支出和退款必须记为负数。",
            ),
            models.CheckConstraint(
                condition=(Q(unit__isnull=True) & Q(building__isnull=True))
                | (Q(unit__isnull=False) & Q(building__isnull=False)),
                name="ledger_unit_building_together",
                violation_error_message="分户账记录必须同时有楼栋和房屋；小区级记录两者都为空。",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(category="interest"),
                name="ledger_project_level_interest_only",
                violation_error_message="小区级（未分户）记录只能是利息收益。",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "occurred_on"], name="ledger_unit_date_idx"),
            models.Index(fields=["project", "occurred_on"], name="ledger_project_date_idx"),
            models.Index(fields=["project", "category"], name="ledger_project_cat_idx"),
        ]
        verbose_name = verbose_name_plural = "维修资金记账"

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} {self.amount}"


class BalanceFields(models.Model):
    """Maintained figures. deposited = 首期 + 日常; used = 维修支出 (positive figure); refunded = 退款 (positive);
    transferred = net 划转 (signed); pool = project-level unallocated interest (projects only);
    balance = deposited + interest − used − refunded + transferred (+ pool)."""

    first_deposit = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    deposited = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    interest = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    used = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    refunded = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    transferred = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)

    FIGURES = ("first_deposit", "deposited", "interest", "used", "refunded", "transferred", "balance")

    class Meta:
        abstract = True


class UnitBalance(BalanceFields):
    """分户账余额 of one unit."""

    unit = models.OneToOneField("registry.Unit", on_delete=models.PROTECT, related_name="fund_balance")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["project", "building"], name="unitbalance_project_idx")]
        verbose_name = verbose_name_plural = "分户账余额"

    def __str__(self) -> str:
        return f"房屋#{self.unit_id} 余额 {self.balance}"


class BuildingBalance(BalanceFields):
    """楼栋 totals: the sum of its units' sub-ledgers."""

    building = models.OneToOneField(
        "registry.Building", on_delete=models.PROTECT, related_name="fund_balance"
    )
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "楼栋维修资金"

    def __str__(self) -> str:
        return f"楼栋#{self.building_id} 余额 {self.balance}"


class ProjectBalance(BalanceFields):
    """小区 totals: every entry of the project, the unallocated interest pool included."""

    project = models.OneToOneField("registry.Project", on_delete=models.PROTECT, related_name="fund_balance")
    pool = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO, help_text="未分配利息")

    FIGURES = (*BalanceFields.FIGURES, "pool")

    class Meta:
        verbose_name = verbose_name_plural = "小区维修资金"

    def __str__(self) -> str:
        return f"小区#{self.project_id} 余额 {self.balance}"


# --------------------------------------------------------------------------------------------------------------
# Common funds (业主共有资金) and bank flows
# --------------------------------------------------------------------------------------------------------------


def mask_account_number(number: str) -> str:
    """'6222021234567890123' -> '6222 **** **** 0123' (first 4, last 4)."""
    digits = "".join((number or "").split())
    if len(digits) <= 8:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


_ORGANISATION_WORDS = (
    "公司",
    "有限",
    "银行",
    "委员会",
    "业主大会",
    "中心",
    "局",
    "物业",
    "管理处",
    "协会",
    "商行",
    "店",
    "厂",
    "部",
    "所",
    "集团",
    "街道",
    "社区",
    "学校",
    "医院",
)


def mask_counterparty(name: str) -> str:
    """Organisations are shown in full; a person's name is masked (张*)."""
    name = " ".join((name or "").split())
    if not name or any(word in name for word in _ORGANISATION_WORDS):
        return name[:100]
    return mask_name(name)[:100]


class CommonFundAccount(models.Model):
    """业主共有资金账户: an account of the owners' assembly at a data-sharing bank (数据共享银行).

    The account number is stored encrypted (`number_enc`, AES-GCM with context "bank-account"), with a blind index
    (`number_hash`) for uniqueness and look-up and a masked copy for display.
    """

    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, related_name="common_fund_accounts"
    )
    bank = models.ForeignKey("registry.DataSharingBank", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100, help_text="户名")
    number_enc = models.TextField()
    number_hash = models.CharField(max_length=64)
    number_masked = models.CharField(max_length=40)
    opened_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    balance = models.DecimalField(
        max_digits=16, decimal_places=2, default=ZERO, help_text="最近一笔流水后的余额"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "number_hash"],
                name="commonfund_unique_number",
                violation_error_message="该银行账号已登记。",
            )
        ]
        verbose_name = verbose_name_plural = "业主共有资金账户"

    def __str__(self) -> str:
        return f"{self.bank_id} {self.number_masked}"

    def set_number(self, number: str) -> None:
        digits = "".join((number or "").split())
        self.number_enc = crypto.encrypt(digits, context="bank-account")
        self.number_hash = crypto.keyring().blind_index(digits, purpose="bank-account")
        self.number_masked = mask_account_number(digits)

    def reveal_number(self) -> str:
        return crypto.decrypt(self.number_enc, context="bank-account")


class BankFlow(AppendOnly):
    """One bank-account flow (流水) of a common-fund account, as the bank reported it. Append-only.

    `amount` is positive; `direction` says in or out. `bank_reference` (银行流水号) is unique per account, which
    makes statement imports and pushes idempotent. The counterparty is kept masked only (`mask_counterparty`).
    """

    account = models.ForeignKey(CommonFundAccount, on_delete=models.PROTECT, related_name="flows")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    direction = models.CharField(max_length=4, choices=FlowDirection.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    counterparty = models.CharField(max_length=100, blank=True, help_text="masked when a person")
    memo = models.CharField(max_length=200, blank=True)
    balance_after = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    bank_reference = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=FlowSource.choices)
    recorded_at = models.DateTimeField()
    batch = models.CharField(max_length=32, db_index=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "bank_reference"], name="bankflow_unique_reference"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="bankflow_amount_positive",
                violation_error_message="流水金额必须大于0。",
            ),
        ]
        indexes = [models.Index(fields=["account", "occurred_on"], name="bankflow_account_date_idx")]
        verbose_name = verbose_name_plural = "共有资金流水"

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_direction_display()} {self.amount}"


# --------------------------------------------------------------------------------------------------------------
# Disclosures (信息公开: 大额资金转账公示, 紧急维修公示, 其他)
# --------------------------------------------------------------------------------------------------------------


class Disclosure(models.Model):
    """A publication to the project's owners. Large-transfer disclosures are created automatically (as drafts)
    for every common-fund outflow strictly greater than the threshold; publishing is a deliberate, audited step."""

    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="disclosures")
    kind = models.CharField(max_length=20, choices=DisclosureKind.choices)
    status = models.CharField(max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.DRAFT)
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bank_flow = models.OneToOneField(
        BankFlow, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosure"
    )
    repair = models.ForeignKey(
        Repair, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    threshold = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="the threshold applied"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="large_transfer") | Q(bank_flow__isnull=False),
                name="disclosure_transfer_has_flow",
                violation_error_message="大额资金转账公示必须对应一笔银行流水。",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="disclosure_published_has_time",
                violation_error_message="已公示的记录必须有公示时间。",
            ),
        ]
        indexes = [models.Index(fields=["project", "status", "kind"], name="disclosure_project_idx")]
        verbose_name = verbose_name_plural = "信息公开"

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------------------------------------------
# Quarterly reports (季度收支报表)
# --------------------------------------------------------------------------------------------------------------


class QuarterlyReport(models.Model):
    """季度收支报表 of one project and quarter: lines the committee enters (应收账款, 业务收支明细) plus the
    maintenance-fund figures computed from the ledger (never entered)."""

    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, related_name="quarterly_reports"
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveSmallIntegerField(default=1, help_text="第几版：更正版本从2起")
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="本版更正的上一版（上一版公布后被本版取代，仍可查看，标为“已被更正”）",
    )
    correction_note = models.TextField(blank=True, help_text="更正说明：改了什么、为什么")

    class Meta:
        ordering = ["project_id", "-year", "-quarter", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "quarter", "version"], name="report_unique_version"
            ),
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                condition=Q(status="draft"),
                name="report_one_draft_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                condition=Q(status="published"),
                name="report_one_published_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4),
                name="report_quarter_range",
                violation_error_message="季度必须是1到4。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="report_year_range",
                violation_error_message="年份不正确。",
            ),
        ]
        verbose_name = verbose_name_plural = "季度收支报表"

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    @property
    def version_label(self) -> str:
        return f"第{self.version}版" if self.version > 1 or self.status == "superseded" else ""


class ReportLine(models.Model):
    """One entered line: section, item, amount (元), optional voucher number (kept as text) and note."""

    report = models.ForeignKey(QuarterlyReport, on_delete=models.CASCADE, related_name="lines")
    section = models.CharField(max_length=20, choices=ReportSection.choices)
    item = models.CharField(max_length=100, help_text="项目/科目")
    counterparty = models.CharField(max_length=100, blank=True, help_text="对方单位")
    voucher_no = models.CharField(max_length=40, blank=True, help_text="凭证号 (text: keeps leading zeros)")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["report_id", "section", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="reportline_amount_nonnegative",
                violation_error_message="金额不能为负数。",
            )
        ]
        verbose_name = verbose_name_plural = "报表明细"

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


# --------------------------------------------------------------------------------------------------------------
# Follows (关注小区, 维修金概览)
# --------------------------------------------------------------------------------------------------------------


class ProjectFollow(models.Model):
    """An account follows a project to see its maintenance-fund figures on 维修金概览."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fund_follows"
    )
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["account_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "project"],
                name="follow_unique",
                violation_error_message="您已关注该小区。",
            )
        ]
        verbose_name = verbose_name_plural = "关注小区"

    def __str__(self) -> str:
        return f"{self.account_id} → {self.project_id}"
