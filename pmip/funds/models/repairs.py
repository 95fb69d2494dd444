"""Repairs (维修明细) and each unit's share of a charged repair."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from pmip.funds.choices import EmergencyKind, RepairScopeKind, RepairStatus


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
