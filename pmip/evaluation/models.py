"""业主评价: items, policy, evaluations (one current per owner, object and period, history kept), replies, and the
incremental tallies that rankings and statistics read (never a scan of evaluations on a page view)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.evaluation.choices import PERIOD_MONTHS_CHOICES, SubjectKind, Target

COMMENT_MAX = 500
REPLY_MAX = 500
ITEM_NAME_MAX = 20


class EvaluationPolicy(models.Model):
    """The city's settings (one row, pk=1). Defaults from the issue: m = 10, min_count = 5, calendar quarter."""

    prior_weight = models.PositiveIntegerField(default=10, help_text="先验权重 m")
    min_count = models.PositiveIntegerField(default=5, help_text="参与排名的最少评价数")
    period_months = models.PositiveSmallIntegerField(choices=PERIOD_MONTHS_CHOICES, default=3)
    reply_edit_hours = models.PositiveSmallIntegerField(default=24, help_text="回复可修改的小时数")
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "评价规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_count__gte=1),
                name="eval_policy_min_count",
                violation_error_message="最少评价数至少为1。",
            ),
            models.CheckConstraint(
                condition=Q(prior_weight__lte=1000),
                name="eval_policy_prior_weight",
                violation_error_message="先验权重不能超过1000。",
            ),
        ]

    def __str__(self) -> str:
        return f"m={self.prior_weight} min={self.min_count} {self.period_months}个月"


class EvaluationItem(models.Model):
    """A scored item (e.g. 服务态度) of one target. Retired items stay for old evaluations (active=False)."""

    target = models.CharField(max_length=12, choices=Target.choices)
    name = models.CharField(max_length=ITEM_NAME_MAX)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["target", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "name"],
                name="eval_item_unique_name",
                violation_error_message="评价项目名称重复。",
            )
        ]
        verbose_name = verbose_name_plural = "评价项目"

    def __str__(self) -> str:
        return f"{self.get_target_display()}·{self.name}"


class Evaluation(models.Model):
    """One owner's evaluation of one object of a project in one period. Re-submitting in the period replaces it:
    the old row stays (is_current=False, replaced_by set)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="evaluations")
    target = models.CharField(max_length=12, choices=Target.choices)
    company = models.ForeignKey(
        "registry.PropertyCompany",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    committee = models.ForeignKey(
        "registry.Committee", on_delete=models.PROTECT, null=True, blank=True, related_name="evaluations"
    )
    period = models.CharField(max_length=8)
    stars = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=COMMENT_MAX)
    evaluator_label = models.CharField(max_length=60, help_text="masked name + building, e.g. 张* · 1栋")
    submitted_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)
    replaced_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "project", "target", "period"],
                condition=Q(is_current=True),
                name="eval_one_current_per_owner",
                violation_error_message="本期您已评价过该对象。",
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5),
                name="eval_stars_range",
                violation_error_message="评分必须是1到5星。",
            ),
            models.CheckConstraint(
                condition=(Q(target="office", company__isnull=False, committee__isnull=True))
                | Q(target="committee", committee__isnull=False),
                name="eval_target_object",
                violation_error_message="评价对象不完整。",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "target", "period", "is_current"], name="eval_project_idx"),
            models.Index(fields=["period", "target", "is_current"], name="eval_period_idx"),
        ]
        verbose_name = verbose_name_plural = "业主评价"

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_target_display()} {self.period} {self.stars}星"


class ItemScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="item_scores")
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="eval_item_score_unique"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5),
                name="eval_item_stars_range",
                violation_error_message="评分必须是1到5星。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.stars}星"


class Reply(models.Model):
    """The one reply to an evaluation, by the project manager (office) or the committee (committee account)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=20, help_text="项目经理 / 业委会主任")
    body = models.TextField(max_length=REPLY_MAX)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "评价回复"

    def __str__(self) -> str:
        return f"回复 {self.evaluation_id}"


class Tally(models.Model):
    """Counts and sums of current evaluations of one ranked subject in one period, kept by the services."""

    period = models.CharField(max_length=8)
    kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    code = models.CharField(max_length=64, help_text="the id in the open data and the ranking")
    name = models.CharField(max_length=160)
    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    count = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "subject_id"], name="eval_tally_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="eval_tally_count_nonneg"),
        ]
        indexes = [models.Index(fields=["period", "kind", "code"], name="eval_tally_code_idx")]

    def __str__(self) -> str:
        return f"{self.period} {self.kind} {self.code}: {self.count}"

    @property
    def mean(self):
        from fractions import Fraction

        return Fraction(self.total, self.count) if self.count else None

    @property
    def distribution(self) -> list[tuple[int, int]]:
        return [(5, self.s5), (4, self.s4), (3, self.s3), (2, self.s2), (1, self.s1)]


class ItemTally(models.Model):
    period = models.CharField(max_length=8)
    kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="+")
    count = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kind", "subject_id", "item"], name="eval_item_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.kind} {self.subject_id} {self.item_id}: {self.count}"


class PeriodTotal(models.Model):
    """All current evaluations of one subject kind in one period: the city mean C, and a version for caching."""

    period = models.CharField(max_length=8)
    kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    count = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-period", "kind"]
        constraints = [models.UniqueConstraint(fields=["period", "kind"], name="eval_period_total_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.kind}: {self.count}"
