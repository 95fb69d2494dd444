"""小区气象公告栏 API (public): current weather, 7 days and the warnings in force of a project's district, from stored
data only (the provider is never called by a request); an unknown project is 404."""

from __future__ import annotations

import pytest

from pmip.integrations import weather as provider_mod
from pmip.integrations.weather import QWeatherProvider
from pmip.weather import services
from tests.weather.fake_qweather import KEY, RAINSTORM_RED, FakeQWeather

pytestmark = pytest.mark.django_db


@pytest.fixture
def futian(city):
    district = city.districts["futian"]
    district.name = "福田区"
    district.save()
    return district


def test_project_weather_from_stored_data(city, futian, client, monkeypatch):
    project = city.projects["lianhua"]
    url = f"/api/v1/weather/projects/{project.code}"
    empty = client.get(url)
    assert empty.status_code == 200
    assert (
        empty.json()["available"] is False and empty.json()["days"] == [] and empty.json()["warnings"] == []
    )

    with FakeQWeather(warnings=[RAINSTORM_RED]) as fake:
        services.refresh_all(provider=QWeatherProvider(host=fake.url, key=KEY))

    def boom(*args, **kwargs):
        raise AssertionError("a request called the provider")

    monkeypatch.setattr(provider_mod, "get_provider", boom)
    data = client.get(url).json()  # anonymous: public data
    assert data["project_code"] == project.code and data["district"] == "福田区" and data["available"] is True
    assert data["now"]["temp"] == "31" and data["now"]["text"] == "雷阵雨"
    assert len(data["days"]) == 7 and data["days"][0]["date"] == "2026-07-01"
    [warning] = data["warnings"]
    assert warning["type_name"] == "暴雨" and warning["color"] == "red" and warning["color_label"]
    assert "地下车库" in warning["advice"]

    monkeypatch.undo()
    with FakeQWeather(warnings=[]) as fake:
        services.refresh_all(provider=QWeatherProvider(host=fake.url, key=KEY))
    assert client.get(url).json()["warnings"] == []  # lifted: no longer in force


def test_unknown_project_is_404(city, client):
    response = client.get("/api/v1/weather/projects/nope")
    assert response.status_code == 404 and response.json()["code"] and response.json()["status"] == 404
