"""招标投标 (property-service tendering) of a project: tenders, their steps (stages and publicity notices, in order,
each correction a new version), the documents of each step, and the bidders (registered companies).

Nothing is edited in place: a corrected step is a new `TenderStep` row with the next version that points at the
one it replaces (`supersedes`); the current version of a step is the one nothing supersedes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core import clock
from pmip.tendering.choices import Step, TendererKind, TenderMethod


class Tender(models.Model):
    """物业服务招标: one tender of one project."""

    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="tenders")
    title = models.CharField(max_length=120)
    tenderer_kind = models.CharField(max_length=10, choices=TendererKind.choices)
    meeting = models.ForeignKey(
        "decisions.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="业主大会招标时，决定招标的业主决策会议",
    )
    method = models.CharField(max_length=8, choices=TenderMethod.choices)
    agent = models.CharField(max_length=120, blank=True, help_text="招标代理机构")
    announcement_days = models.PositiveSmallIntegerField(default=5, help_text="招标公告公示期（工作日）")
    result_days = models.PositiveSmallIntegerField(default=3, help_text="结果公示期（工作日）")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "物业服务招标"
        constraints = [
            models.CheckConstraint(
                condition=~Q(tenderer_kind="assembly") | Q(meeting__isnull=False),
                name="tender_assembly_has_meeting",
                violation_error_message="业主大会招标须关联决定招标的业主决策会议。",
            ),
            models.CheckConstraint(
                condition=Q(announcement_days__gte=1, announcement_days__lte=60, result_days__gte=1)
                & Q(result_days__lte=60),
                name="tender_periods_range",
                violation_error_message="公示期应为1至60个工作日。",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TenderStep(models.Model):
    """One stage or publicity notice of a tender, on a date; a publicity notice also has its period's last day
    (counted in working days from the day after `date`). Corrections are new versions."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=20, choices=Step.choices)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    date = models.DateField()
    period_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="公示期（工作日）")
    period_ends = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    correction_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["tender_id", "date", "id"]
        verbose_name = verbose_name_plural = "招标阶段与公示"
        constraints = [
            models.UniqueConstraint(fields=["tender", "step", "version"], name="tender_step_unique_version"),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                name="tender_step_version_chain",
                violation_error_message="更正版本必须指向被更正的记录。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} v{self.version} {self.date}"


class TenderDocument(models.Model):
    """A file of a step (PDF, JPG or PNG), kept outside the web root; served only to those who may see the
    tender."""

    step = models.ForeignKey(TenderStep, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=100)
    stored_name = models.CharField(max_length=120, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "招标文件"

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def new_name(extension: str) -> str:
        return f"tendering/{uuid.uuid4().hex}.{extension}"


class Bidder(models.Model):
    """投标人: a registered property company bidding in a tender."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bidders")
    company = models.ForeignKey("registry.PropertyCompany", on_delete=models.PROTECT, related_name="+")
    qualified = models.BooleanField(null=True, blank=True, help_text="资格审查结果（合格投标人公示）")
    winner = models.BooleanField(default=False)
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["tender_id", "id"]
        verbose_name = verbose_name_plural = "投标人"
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "company"],
                name="bidder_unique_company",
                violation_error_message="该企业已是本次招标的投标人。",
            ),
            models.UniqueConstraint(
                fields=["tender"],
                condition=Q(winner=True),
                name="bidder_one_winner",
                violation_error_message="一次招标只有一个中标人。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.company_id}"
