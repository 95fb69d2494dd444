"""信用信息 (owner manual ch. 11 §2) and the risk list of 物业服务评价公示 (§3).

A subject (company or natural person) has good and bad entries; each entry has its source (issuing office, document
number, date), validity period and status. A dispute marks the entry 异议处理中 at once until the issuing office
upholds or withdraws it. Score, grade and lists are computed by `pmip.credit.scoring` from the policy in force.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core.masking import mask_name
from pmip.credit.choices import (
    NATURAL_PERSONS,
    Category,
    DisputeState,
    EntryStatus,
    Polarity,
    Severity,
    SubjectKind,
)


class CreditPolicy(models.Model):
    """The city's credit policy (one row, pk=1), with the issue's defaults."""

    base_score = models.PositiveSmallIntegerField(default=80)
    good_cap = models.PositiveSmallIntegerField(default=20, help_text="良好信息加分上限")
    grade_aaa = models.PositiveSmallIntegerField(default=95)
    grade_aa = models.PositiveSmallIntegerField(default=85)
    grade_a = models.PositiveSmallIntegerField(default=75)
    grade_b = models.PositiveSmallIntegerField(default=60)
    good_validity_days = models.PositiveSmallIntegerField(default=365)
    minor_validity_days = models.PositiveSmallIntegerField(default=365)
    general_validity_days = models.PositiveSmallIntegerField(default=730)
    serious_validity_days = models.PositiveSmallIntegerField(default=1095)
    dispute_days = models.PositiveSmallIntegerField(default=15, help_text="异议处理期限（日）")
    owner_weight = models.PositiveSmallIntegerField(default=40, help_text="业主评价权重（%）")
    inspection_weight = models.PositiveSmallIntegerField(default=60, help_text="主管部门考核权重（%）")
    risk_threshold = models.PositiveSmallIntegerField(default=60, help_text="综合得分低于此值进入风险名单")
    risk_clean_days = models.PositiveSmallIntegerField(default=180, help_text="连续达标多少天后移出风险名单")
    public_owner_categories = models.JSONField(default=list, blank=True, help_text="业主不良信息中公开的类别")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用评分规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_aaa__gt=models.F("grade_aa"))
                & Q(grade_aa__gt=models.F("grade_a"))
                & Q(grade_a__gt=models.F("grade_b")),
                name="credit_policy_grade_order",
                violation_error_message="等级分数线必须从高到低：AAA > AA > A > B。",
            ),
            models.CheckConstraint(
                condition=Q(owner_weight__lte=100) & Q(inspection_weight__lte=100),
                name="credit_policy_weights",
                violation_error_message="权重不能超过100。",
            ),
        ]

    def __str__(self) -> str:
        return f"基础分{self.base_score}"


class CreditSubject(models.Model):
    """A credit subject. Companies link to the registry company; natural persons to their log-in account (so they
    see and dispute their own record) and to the project they act in."""

    kind = models.CharField(max_length=24, choices=SubjectKind.choices)
    name = models.CharField(max_length=120)
    company = models.ForeignKey(
        "registry.PropertyCompany",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_subjects",
    )
    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_subjects"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_subjects",
    )
    role = models.CharField(max_length=40, blank=True, help_text="职务，如 项目负责人、业委会主任")
    certificate_no = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=30, blank=True, help_text="only shown to the subject and offices")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(kind="company"),
                name="credit_one_subject_per_company",
                violation_error_message="该物业企业已有信用档案。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="company") | Q(company__isnull=False),
                name="credit_company_subject_has_company",
                violation_error_message="物业企业信用档案必须关联企业。",
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="credit_subject_kind_name_idx")]
        verbose_name = verbose_name_plural = "信用主体"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_name}"

    @property
    def is_person(self) -> bool:
        return self.kind in NATURAL_PERSONS

    @property
    def public_name(self) -> str:
        return mask_name(self.name) if self.is_person else self.name


class CreditEntry(models.Model):
    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="entries")
    polarity = models.CharField(max_length=8, choices=Polarity.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OTHER)
    title = models.CharField(max_length=100)
    description = models.TextField(max_length=1000, blank=True)
    points = models.PositiveSmallIntegerField(help_text="加分（良好）或扣分（不良）")
    issuer = models.CharField(max_length=100, help_text="发布单位")
    issuer_district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="null: issued by a city office",
    )
    document_no = models.CharField(max_length=60, help_text="文书编号")
    issued_on = models.DateField()
    valid_until = models.DateField()
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")),
                name="credit_entry_validity_order",
                violation_error_message="有效期截止日不能早于发布日期。",
            ),
            models.CheckConstraint(
                condition=(Q(polarity="good", severity="") | (Q(polarity="bad") & ~Q(severity=""))),
                name="credit_entry_severity",
                violation_error_message="不良信息必须注明严重程度，良好信息不填。",
            ),
            models.CheckConstraint(
                condition=Q(points__lte=100),
                name="credit_entry_points",
                violation_error_message="分值不能超过100。",
            ),
        ]
        indexes = [models.Index(fields=["subject", "status", "valid_until"], name="credit_entry_subject_idx")]
        verbose_name = verbose_name_plural = "信用信息"

    def __str__(self) -> str:
        return f"{self.get_polarity_display()} {self.title}"

    def in_validity(self, today) -> bool:
        return self.issued_on <= today <= self.valid_until


class CreditDispute(models.Model):
    """异议: the subject disputes an entry; the issuing office upholds or withdraws it before the deadline."""

    entry = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, related_name="disputes")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(max_length=1000)
    stored_name = models.CharField(max_length=200, blank=True, help_text="path under PRIVATE_MEDIA_ROOT")
    attachment_name = models.CharField(max_length=120, blank=True)
    filed_at = models.DateTimeField()
    deadline = models.DateField()
    state = models.CharField(max_length=10, choices=DisputeState.choices, default=DisputeState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state="pending"),
                name="credit_one_pending_dispute",
                violation_error_message="该信息已有正在处理的异议。",
            )
        ]
        verbose_name = verbose_name_plural = "信用异议"

    def __str__(self) -> str:
        return f"异议 {self.entry_id} {self.get_state_display()}"


class InspectionScore(models.Model):
    """主管部门考核得分 of a company (or a project leader) for a year, entered by an office."""

    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="inspection_scores")
    year = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    issuer = models.CharField(max_length=100)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "year"], name="credit_inspection_unique_year"),
            models.CheckConstraint(condition=Q(score__lte=100), name="credit_inspection_score_range"),
        ]
        verbose_name = verbose_name_plural = "主管部门考核得分"

    def __str__(self) -> str:
        return f"{self.year} {self.score}"


class RiskListing(models.Model):
    """风险名单: a subject entered the list on a date for a reason and leaves it after a clean period."""

    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="risk_listings")
    reason = models.CharField(max_length=200)
    entered_on = models.DateField()
    clean_since = models.DateField(
        null=True, blank=True, help_text="first day the subject no longer met a condition"
    )
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(left_on__isnull=True), name="credit_one_open_risk_listing"
            )
        ]
        verbose_name = verbose_name_plural = "风险名单"

    def __str__(self) -> str:
        return f"{self.subject_id} {self.entered_on}"
