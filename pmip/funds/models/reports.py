"""Quarterly reports (季度收支报表) and their entered lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.funds.choices import ReportSection, ReportStatus


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
