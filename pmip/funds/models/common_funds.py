"""Common funds (业主共有资金): accounts at data-sharing banks and their bank flows."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pmip.core import crypto
from pmip.core.masking import mask_name
from pmip.funds.choices import AccountStatus, FlowDirection, FlowSource
from pmip.funds.models.base import ZERO, AppendOnly


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
