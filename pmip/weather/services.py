"""Writes of 小区气象公告栏: the scheduled refresh (provider → stored forecast and warnings; a new orange or red
signal creates the property companies' checklist entries and tells the opted-in owners through the fan-out), the
owners' opt-in, and ticking a checklist entry."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import QuerySet

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.identity.models import Account
from pmip.identity.scopes import project_q
from pmip.integrations.weather import Forecast, WeatherUnavailable, get_provider
from pmip.notifications.fanout import record_broadcast, register_audience
from pmip.registry.models import District, Project
from pmip.weather.models import (
    Color,
    DistrictLocation,
    DistrictWeather,
    WarningSubscription,
    WarningTask,
    WeatherWarning,
)

log = logging.getLogger(__name__)

#: Built-in locations ("lon,lat") of Shenzhen's districts, used when no DistrictLocation row says otherwise.
SHENZHEN = {
    "福田区": "114.05,22.52",
    "罗湖区": "114.13,22.55",
    "南山区": "113.93,22.53",
    "盐田区": "114.24,22.56",
    "宝安区": "113.88,22.55",
    "龙岗区": "114.25,22.72",
    "龙华区": "114.04,22.69",
    "坪山区": "114.35,22.69",
    "光明区": "113.94,22.75",
    "大鹏新区": "114.48,22.59",
    "深汕特别合作区": "115.06,22.82",
}
NOTE_MAX = 300


def subscribers(params: dict) -> QuerySet[Account]:
    projects = Project.objects.filter(district_id=int(params["district_id"]))
    return Account.objects.filter(
        pk__in=WarningSubscription.objects.filter(project__in=projects).values("account_id")
    )


register_audience("weather.subscribers", subscribers)


def location_of(district: District) -> str:
    row = DistrictLocation.objects.filter(district=district).values_list("location", flat=True).first()
    return row or SHENZHEN.get(district.name, "")


def _store(district: District, forecast: Forecast) -> dict:
    now = clock.now()
    DistrictWeather.objects.update_or_create(
        district=district,
        defaults={
            "provider": forecast.provider,
            "now": forecast.now.__dict__,
            "days": [d.__dict__ for d in forecast.days],
            "fetched_at": now,
            "last_error": "",
            "last_error_at": None,
        },
    )
    seen = set()
    issued = []
    for w in forecast.warnings:
        seen.add(w.provider_id)
        warning, created = WeatherWarning.objects.get_or_create(
            district=district,
            provider_id=w.provider_id,
            defaults={
                "type_name": w.type_name,
                "color": w.color if w.color in Color.values else "",
                "title": w.title,
                "text": w.text,
                "issued_at": now,
            },
        )
        if not created and warning.ended_at is not None:
            warning.ended_at = None
            warning.save(update_fields=["ended_at"])
        if created:
            issued.append(warning)
    ended = (
        WeatherWarning.objects.filter(district=district, ended_at__isnull=True)
        .exclude(provider_id__in=seen)
        .update(ended_at=now)
    )
    for warning in issued:
        record(
            actor=None,
            action="weather.warning.issued",
            obj=warning,
            data={"district_id": district.pk, "type": warning.type_name, "color": warning.color},
        )
        if warning.severe:
            _severe(district, warning)
    return {"issued": len(issued), "ended": ended}


def _severe(district: District, warning: WeatherWarning) -> None:
    projects = list(Project.objects.filter(district=district).values_list("pk", flat=True))
    WarningTask.objects.bulk_create(
        [WarningTask(warning=warning, project_id=p) for p in projects], ignore_conflicts=True
    )
    record_broadcast(
        key=f"weather.warning.{warning.pk}",
        kind="weather.warning.severe",
        title=f"{district.name}{warning.type_name}{warning.get_color_display()}预警"[:100],
        body=f"{warning.title}。{warning.text}"[:2000],
        link="/weather/",
        data={
            "project": district.name,
            "subject": warning.title,
            "stage": f"{warning.get_color_display()}预警",
        },
        audience_name="weather.subscribers",
        params={"district_id": district.pk},
    )


def refresh_district(district: District, *, provider=None) -> dict:
    """Fetch one district's forecast and warnings and store them (one transaction). Provider errors are recorded
    on the stored row (the last good forecast stays) and returned, not raised."""
    location = location_of(district)
    if not location:
        return {"skipped": "no location"}
    provider = provider or get_provider()
    try:
        forecast = provider.forecast(location)
    except WeatherUnavailable as exc:
        log.warning("weather: %s unavailable: %s", district.pk, exc)
        DistrictWeather.objects.filter(district=district).update(
            last_error=str(exc)[:300], last_error_at=clock.now()
        )
        return {"error": str(exc)[:300]}
    with transaction.atomic():
        return _store(district, forecast)


def refresh_all(*, provider=None) -> dict:
    """Every district that has projects (the periodic task)."""
    provider = provider or get_provider()
    out = {"districts": 0, "errors": 0, "issued": 0}
    for district in District.objects.filter(pk__in=Project.objects.values("district_id")).order_by("code"):
        result = refresh_district(district, provider=provider)
        out["districts"] += 1
        out["errors"] += "error" in result
        out["issued"] += result.get("issued", 0)
    return out


def set_subscription(*, actor, project_id: int, on: bool) -> bool:
    """An owner turns the orange/red warning push for a project's district on or off. Returns the new state."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    with transaction.atomic():
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            raise NotFound("未找到该小区。")
        existing = WarningSubscription.objects.filter(account=actor, project=project)
        if on and not existing.exists():
            WarningSubscription.objects.create(account=actor, project=project)
            record(actor=actor, action="weather.subscription.on", project_id=project.pk)
        elif not on and existing.exists():
            existing.delete()
            record(actor=actor, action="weather.subscription.off", project_id=project.pk)
    return on


def complete_task(*, actor, task_id: int, note: str = "") -> WarningTask:
    """The property company (or staff in scope) ticks a checklist entry as done."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"说明不能超过{NOTE_MAX}个字。", field="note")
    scope = project_q(actor, prefix="project__")
    if scope is None:
        raise PermissionDenied()
    with transaction.atomic():
        task = WarningTask.objects.select_for_update().filter(scope).filter(pk=task_id).first()
        if task is None:
            raise NotFound("未找到该检查项。")
        if task.done_at is None:
            task.done_at = clock.now()
            task.done_by = actor
            task.note = note
            task.save(update_fields=["done_at", "done_by", "note"])
            record(actor=actor, action="weather.task.done", obj=task, data={"warning_id": task.warning_id})
    return task
