"""A project's own fund settings (维修资金设置)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pmip.funds.choices import InterestMethod


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
