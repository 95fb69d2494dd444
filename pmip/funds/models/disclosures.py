"""Disclosures (信息公开: 大额资金转账公示, 紧急维修公示, 其他)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.funds.choices import DisclosureKind, DisclosureStatus
from pmip.funds.models.common_funds import BankFlow
from pmip.funds.models.repairs import Repair


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
