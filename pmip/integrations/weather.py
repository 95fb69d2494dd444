"""Weather provider (天气与预警): an interface, the real QWeather (和风天气) adapter, and an embedded stand-in.

    PMIP_WEATHER_BACKEND   "embedded" (default; deterministic data) | "qweather"
    PMIP_WEATHER_HOST      QWeather API host (the console shows one per account, e.g. https://abc.qweatherapi.com;
                           the legacy public hosts https://devapi.qweather.com / https://api.qweather.com also work)
    PMIP_WEATHER_KEY       API key, sent as the `X-QW-Api-Key` header (never in the URL)
    PMIP_WEATHER_TIMEOUT   seconds per request (default 8)

The real adapter calls three endpoints of the v7 API for one location ("lon,lat" or a LocationID):
`/v7/weather/now`, `/v7/weather/7d` and `/v7/warning/now`, and maps them to `Forecast`. Any answer other than
HTTP 200 with JSON `code` "200" raises `WeatherUnavailable` (the stored forecast stays as it was). Pages never call
this: `pmip.weather.tasks.refresh_weather` does, on a schedule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from pmip.core import clock
from pmip.core.conf import pmip_settings, secret

MAX_BODY = 512 * 1024


class WeatherUnavailable(Exception):
    """The provider could not answer (network, credentials, quota, malformed answer)."""


@dataclass(frozen=True)
class Now:
    temp: str
    text: str
    humidity: str = ""
    wind_dir: str = ""
    wind_scale: str = ""
    observed_at: str = ""


@dataclass(frozen=True)
class Day:
    date: str  # YYYY-MM-DD
    text_day: str
    text_night: str
    temp_max: str
    temp_min: str


@dataclass(frozen=True)
class Warning:
    provider_id: str
    type_name: str  # 暴雨, 台风, 高温 …
    color: str  # blue | yellow | orange | red | "" (unknown)
    title: str
    text: str
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class Forecast:
    now: Now
    days: list[Day]
    warnings: list[Warning] = field(default_factory=list)
    provider: str = ""


class WeatherProvider(Protocol):
    name: str

    def forecast(self, location: str) -> Forecast: ...


_COLORS = {"blue": "blue", "yellow": "yellow", "orange": "orange", "red": "red"}


def _color(value: Any) -> str:
    return _COLORS.get(str(value or "").strip().lower(), "")


def _s(value: Any, limit: int = 200) -> str:
    return str(value if value is not None else "")[:limit]


class QWeatherProvider:
    """和风天气 v7 API over HTTPS with the API-key header."""

    name = "qweather"

    def __init__(self, *, host: str | None = None, key: str | None = None, timeout: float | None = None):
        self.host = (host or pmip_settings().weather_host or "https://devapi.qweather.com").rstrip("/")
        self.key = key if key is not None else secret("weather_key")
        self.timeout = float(timeout or pmip_settings().weather_timeout)

    def _get(self, client: httpx.Client, path: str, location: str) -> dict:
        try:
            response = client.get(
                self.host + path,
                params={"location": location, "lang": "zh", "unit": "m"},
                headers={"X-QW-Api-Key": self.key, "Accept-Encoding": "gzip"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise WeatherUnavailable(f"{path}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise WeatherUnavailable(f"{path}: HTTP {response.status_code}")
        if len(response.content) > MAX_BODY:
            raise WeatherUnavailable(f"{path}: answer too large")
        try:
            data = response.json()
        except ValueError as exc:
            raise WeatherUnavailable(f"{path}: not JSON") from exc
        if not isinstance(data, dict) or str(data.get("code")) != "200":
            raise WeatherUnavailable(f"{path}: code {data.get('code') if isinstance(data, dict) else '?'}")
        return data

    def forecast(self, location: str) -> Forecast:
        if not self.key:
            raise WeatherUnavailable("PMIP_WEATHER_KEY is not set")
        with httpx.Client() as client:
            now = self._get(client, "/v7/weather/now", location).get("now") or {}
            daily = self._get(client, "/v7/weather/7d", location).get("daily") or []
            warnings = self._get(client, "/v7/warning/now", location).get("warning") or []
        if not isinstance(now, dict) or not isinstance(daily, list) or not isinstance(warnings, list):
            raise WeatherUnavailable("malformed answer")
        return Forecast(
            now=Now(
                temp=_s(now.get("temp"), 8),
                text=_s(now.get("text"), 20),
                humidity=_s(now.get("humidity"), 8),
                wind_dir=_s(now.get("windDir"), 20),
                wind_scale=_s(now.get("windScale"), 8),
                observed_at=_s(now.get("obsTime"), 40),
            ),
            days=[
                Day(
                    date=_s(d.get("fxDate"), 10),
                    text_day=_s(d.get("textDay"), 20),
                    text_night=_s(d.get("textNight"), 20),
                    temp_max=_s(d.get("tempMax"), 8),
                    temp_min=_s(d.get("tempMin"), 8),
                )
                for d in daily[:7]
                if isinstance(d, dict)
            ],
            warnings=[
                Warning(
                    provider_id=_s(w.get("id"), 100),
                    type_name=_s(w.get("typeName"), 20),
                    color=_color(w.get("severityColor")),
                    title=_s(w.get("title"), 200),
                    text=_s(w.get("text"), 2000),
                    start=_s(w.get("startTime"), 40),
                    end=_s(w.get("endTime"), 40),
                )
                for w in warnings[:20]
                if isinstance(w, dict) and w.get("id") and w.get("status", "active") != "cancel"
            ],
            provider=self.name,
        )


class EmbeddedWeatherProvider:
    """Deterministic stand-in: a forecast derived from the location and today's date, and one 暴雨橙色预警 for the
    location listed in `PMIP_WEATHER_DEMO_WARNING_LOCATION` (the demo sets it to 福田区)."""

    name = "embedded"
    TEXTS = ("晴", "多云", "阴", "阵雨", "雷阵雨", "小雨", "多云")

    def forecast(self, location: str) -> Forecast:
        seed = int(hashlib.sha256(location.encode()).hexdigest()[:8], 16)
        today = clock.today()
        days = []
        for i in range(7):
            n = seed + i * 7 + today.toordinal()
            high = 26 + n % 8
            days.append(
                Day(
                    date=(today + dt.timedelta(days=i)).isoformat(),
                    text_day=self.TEXTS[n % len(self.TEXTS)],
                    text_night=self.TEXTS[(n // 3) % len(self.TEXTS)],
                    temp_max=str(high),
                    temp_min=str(high - 6 - n % 3),
                )
            )
        warnings = []
        if location == pmip_settings().weather_demo_warning_location:
            warnings.append(
                Warning(
                    provider_id=f"demo-rainstorm-{today.isoformat()}",
                    type_name="暴雨",
                    color="orange",
                    title="深圳市气象台发布暴雨橙色预警信号（演示）",
                    text="预计未来3小时内本区将出现50毫米以上降水，并伴有雷电和短时大风。（演示数据）",
                    start=f"{today.isoformat()}T08:00+08:00",
                )
            )
        return Forecast(
            now=Now(
                temp=days[0].temp_max, text=days[0].text_day, humidity="78", wind_dir="东南风", wind_scale="3"
            ),
            days=days,
            warnings=warnings,
            provider=self.name,
        )


def get_provider() -> WeatherProvider:
    backend = pmip_settings().weather_backend
    if backend == "qweather":
        return QWeatherProvider()
    if backend == "embedded":
        return EmbeddedWeatherProvider()
    raise ValueError(f"unknown PMIP_WEATHER_BACKEND {backend!r}")
