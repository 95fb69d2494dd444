"""Base model pieces shared by every domain."""

from __future__ import annotations

from django.db import models

from pmip.core import clock


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class CalendarYear(models.Model):
    """One year's official calendar as the city entered it from the State Council notice (国务院办公厅关于某年
    部分节假日安排的通知). When a year has a row here, its `CalendarDay` rows are authoritative for that year
    (days not listed follow Monday–Friday); otherwise the `chinesecalendar` package answers. See
    `pmip.core.workdays`."""

    year = models.PositiveSmallIntegerField(unique=True)
    notice = models.CharField(max_length=200, help_text="通知文号或标题，如 国办发明电〔2026〕7号")
    version = models.PositiveIntegerField(default=1, help_text="每次更正加一（旧内容见审计日志）")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "工作日历（法定节假日安排）"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="calendar_year_range",
                violation_error_message="年份应在2000至2100之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """One listed day of a city-entered year: a 法定节假日 (rest) or a 调休 working day (a weekend worked)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    calendar = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=30, blank=True, help_text="节日名称，如 春节")

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
