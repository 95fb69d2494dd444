"""小区气象公告栏: the latest forecast and the warning signals in force per district (fetched on a schedule and stored;
a page view never calls the provider), owners' opt-in to warning pushes, and the property companies' checklist."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core import clock


class Color(models.TextChoices):
    BLUE = "blue", "蓝色"
    YELLOW = "yellow", "黄色"
    ORANGE = "orange", "橙色"
    RED = "red", "红色"


class DistrictLocation(models.Model):
    """Where the provider looks for a district's weather: "lon,lat" or a provider LocationID."""

    district = models.OneToOneField("registry.District", on_delete=models.CASCADE, related_name="+")
    location = models.CharField(max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = "行政区气象位置"

    def __str__(self) -> str:
        return f"{self.district_id}: {self.location}"


class DistrictWeather(models.Model):
    """The last forecast fetched for a district (current conditions + 7 days)."""

    district = models.OneToOneField("registry.District", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20)
    now = models.JSONField(default=dict)
    days = models.JSONField(default=list)
    fetched_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区天气"

    def __str__(self) -> str:
        return f"{self.district_id} @ {self.fetched_at}"


class WeatherWarning(models.Model):
    """A warning signal issued for a district. In force while `ended_at` is empty (it disappears from the
    provider's list when lifted)."""

    district = models.ForeignKey("registry.District", on_delete=models.CASCADE, related_name="+")
    provider_id = models.CharField(max_length=100)
    type_name = models.CharField(max_length=20)
    color = models.CharField(max_length=10, choices=Color.choices, blank=True)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    issued_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = verbose_name_plural = "气象预警信号"
        constraints = [
            models.UniqueConstraint(fields=["district", "provider_id"], name="weather_warning_unique"),
        ]
        indexes = [models.Index(fields=["district", "ended_at"], name="weather_warning_active_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def severe(self) -> bool:
        return self.color in (Color.ORANGE, Color.RED)


class WarningSubscription(models.Model):
    """An owner asked to be told when an orange or red signal is issued for a project's district."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "预警推送订阅"
        constraints = [
            models.UniqueConstraint(fields=["account", "project"], name="weather_subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.project_id}"


class WarningTask(models.Model):
    """A checklist entry of a project's property company for an orange or red signal (防御准备)."""

    warning = models.ForeignKey(WeatherWarning, on_delete=models.CASCADE, related_name="tasks")
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "预警防御检查"
        constraints = [
            models.UniqueConstraint(fields=["warning", "project"], name="weather_task_unique"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="weather_task_done_has_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warning_id}/{self.project_id}"
