"""One back-office job: who started it, for which office scope, where it stands, and what came of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core import clock


class JobKind(models.TextChoices):
    REGISTRY_IMPORT = "registry_import", "基础数据导入"
    FUND_ENTRIES_IMPORT = "fund_entries_import", "维修资金明细导入"
    CREDIT_IMPORT = "credit_import", "信用信息批量导入"


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


FINISHED_STATES = (JobState.SUCCEEDED, JobState.FAILED)


class OfficeJob(models.Model):
    """A long office job. The scope fields copy the starter's office (the widest role they hold): staff whose scope
    covers them see the job too (`pmip.jobs.selectors`). Progress (`done`/`total`, `phase`) is written by the task in
    its own short transactions; `result` and `errors` when it finishes. No personal data is kept here: row errors
    name the row and the field, never an ID number."""

    kind = models.CharField("任务", max_length=32, choices=JobKind.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="office_jobs", verbose_name="发起人"
    )
    scope_level = models.CharField("范围", max_length=12)  # pmip.identity.models.ScopeLevel
    district = models.ForeignKey("registry.District", on_delete=models.PROTECT, null=True, blank=True)
    subdistrict = models.ForeignKey("registry.Subdistrict", on_delete=models.PROTECT, null=True, blank=True)
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, null=True, blank=True)
    company = models.ForeignKey("registry.PropertyCompany", on_delete=models.PROTECT, null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=JobState.choices, default=JobState.QUEUED)
    source_name = models.CharField("文件名", max_length=200, blank=True)
    stored_name = models.CharField(
        max_length=200, blank=True, help_text="上传文件在 job_uploads 中的名称；处理后删除"
    )
    phase = models.CharField("阶段", max_length=40, blank=True)
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    errors = models.JSONField("错误明细", default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", default=clock.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "后台任务"
        indexes = [models.Index(fields=["started_by", "-created_at"], name="jobs_starter_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")) | Q(total=0),
                name="jobs_done_within_total",
                violation_error_message="已处理数不能超过总数。",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["succeeded", "failed"], finished_at__isnull=False)
                | Q(state__in=["queued", "running"], finished_at__isnull=True),
                name="jobs_finished_when_done",
                violation_error_message="任务结束时须有结束时间，未结束时不能有。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES
