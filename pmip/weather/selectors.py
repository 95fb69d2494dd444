"""Reads of 小区气象公告栏 (stored data only: a page view never calls the provider)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from pmip.identity.scopes import project_q
from pmip.registry.models import Project
from pmip.weather import guidance
from pmip.weather.models import DistrictWeather, WarningSubscription, WarningTask, WeatherWarning


@dataclass(frozen=True)
class WarningView:
    warning: WeatherWarning
    advice: str


@dataclass(frozen=True)
class ProjectWeather:
    project: Project
    weather: DistrictWeather | None
    warnings: list[WarningView]
    subscribed: bool


def project_weather(*, project: Project, account=None) -> ProjectWeather:
    weather = DistrictWeather.objects.filter(district_id=project.district_id).first()
    warnings = [
        WarningView(w, guidance.advice(w.type_name, w.color))
        for w in WeatherWarning.objects.filter(district_id=project.district_id, ended_at__isnull=True)
    ]
    subscribed = bool(
        getattr(account, "is_authenticated", False)
        and WarningSubscription.objects.filter(account=account, project=project).exists()
    )
    return ProjectWeather(project=project, weather=weather, warnings=warnings, subscribed=subscribed)


def tasks_for_staff(*, actor, open_only: bool = False) -> QuerySet[WarningTask]:
    scope = project_q(actor, prefix="project__")
    if scope is None:
        return WarningTask.objects.none()
    qs = WarningTask.objects.filter(scope).select_related("warning", "project", "warning__district")
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.order_by("done_at", "-created_at", "-id")
