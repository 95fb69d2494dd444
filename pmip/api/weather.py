"""小区气象公告栏 API (public): a project's current weather, the next 7 days and the warning signals in force for its
district, by project code. Stored data only (pmip.weather.selectors): a request never calls the provider."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from pydantic import Field

from pmip.api.schemas import Problem
from pmip.registry.selectors import get_public_project
from pmip.weather import selectors

router = Router(tags=["小区气象公告栏（公开）"])


class WeatherNowOut(Schema):
    temp: str = Field("", description="气温（℃）")
    text: str = Field("", description="天气现象")
    humidity: str = ""
    wind_dir: str = ""
    wind_scale: str = ""
    observed_at: str = ""


class WeatherDayOut(Schema):
    date: str = Field(..., description="YYYY-MM-DD")
    text_day: str = ""
    text_night: str = ""
    temp_max: str = ""
    temp_min: str = ""


class WeatherWarningOut(Schema):
    type_name: str = Field(..., description="预警类别（台风、暴雨、高温……）")
    color: str = Field(..., description="blue / yellow / orange / red；未知为空")
    color_label: str
    title: str
    text: str
    issued_at: dt.datetime
    advice: str = Field(..., description="防御指引")


class ProjectWeatherOut(Schema):
    project_code: str
    project_name: str
    district: str
    available: bool = Field(..., description="是否已有该区的天气数据")
    provider: str = ""
    fetched_at: dt.datetime | None = None
    now: WeatherNowOut | None = None
    days: list[WeatherDayOut] = Field(default_factory=list, description="未来7天")
    warnings: list[WeatherWarningOut] = Field(default_factory=list, description="生效中的预警信号")


def _fields(cls, data) -> dict:
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k])[:200] for k in cls.model_fields if k in data and data[k] is not None}


def _project_weather(code: str) -> ProjectWeatherOut:
    project = get_public_project(code=code)
    view = selectors.project_weather(project=project)
    stored = view.weather
    return ProjectWeatherOut(
        project_code=project.code,
        project_name=project.name,
        district=project.district.name,
        available=stored is not None,
        provider=stored.provider if stored else "",
        fetched_at=stored.fetched_at if stored else None,
        now=WeatherNowOut(**_fields(WeatherNowOut, stored.now)) if stored and stored.now else None,
        days=[
            WeatherDayOut(**_fields(WeatherDayOut, d))
            for d in (stored.days if stored and isinstance(stored.days, list) else [])[:7]
            if isinstance(d, dict) and d.get("date")
        ],
        warnings=[
            WeatherWarningOut(
                type_name=w.warning.type_name,
                color=w.warning.color,
                color_label=w.warning.get_color_display() if w.warning.color else "",
                title=w.warning.title,
                text=w.warning.text,
                issued_at=w.warning.issued_at,
                advice=w.advice,
            )
            for w in view.warnings
        ],
    )


@router.get(
    "/projects/{code}",
    response={200: ProjectWeatherOut, 404: Problem, 422: Problem},
    summary="小区天气：当前天气、未来7天和生效中的预警信号",
)
def project_weather(request, code: str):
    return _project_weather(code)
