"""The maintenance-fund ledger and the balances maintained with it.

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

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from pmip.funds.choices import CATEGORIES, EntryKind, EntrySource
from pmip.funds.models.base import ZERO, AppendOnly
from pmip.funds.models.repairs import Repair

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
