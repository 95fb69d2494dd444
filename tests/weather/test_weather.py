"""小区气象公告栏: the QWeather adapter against a local fake, the stand-in, the scheduled refresh storing forecasts
and warnings (the page never calls the provider), severe-signal pushes and the companies' checklist."""

from __future__ import annotations

import pytest

from pmip.integrations import weather as provider_mod
from pmip.integrations.weather import EmbeddedWeatherProvider, QWeatherProvider, WeatherUnavailable
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast, Notification
from pmip.weather import services
from pmip.weather.models import DistrictWeather, WarningTask, WeatherWarning
from tests import factories
from tests.factories import login_staff
from tests.weather.fake_qweather import KEY, RAINSTORM_RED, FakeQWeather

pytestmark = pytest.mark.django_db


def test_qweather_adapter_maps_the_three_endpoints():
    with FakeQWeather(warnings=[RAINSTORM_RED]) as fake:
        forecast = QWeatherProvider(host=fake.url, key=KEY).forecast("114.05,22.52")
    assert forecast.now.temp == "31" and forecast.now.text == "雷阵雨"
    assert len(forecast.days) == 7 and forecast.days[0].date == "2026-07-01"
    [warning] = forecast.warnings
    assert (warning.type_name, warning.color) == ("暴雨", "red")
    assert {r.path for r in fake.requests} == {"/v7/weather/now", "/v7/weather/7d", "/v7/warning/now"}
    assert all(r.query["location"] == "114.05,22.52" for r in fake.requests)
    assert all("key" not in r.query for r in fake.requests)  # the key travels in a header only


@pytest.mark.parametrize("fail", ["code", "garbage"])
def test_qweather_errors_are_unavailable(fail):
    with FakeQWeather(fail=fail) as fake, pytest.raises(WeatherUnavailable):
        QWeatherProvider(host=fake.url, key=KEY).forecast("114.05,22.52")


def test_qweather_wrong_key_and_no_key():
    with FakeQWeather() as fake:
        with pytest.raises(WeatherUnavailable, match="401"):
            QWeatherProvider(host=fake.url, key="wrong").forecast("x")
        with pytest.raises(WeatherUnavailable):
            QWeatherProvider(host=fake.url, key="").forecast("x")


def test_stand_in_is_deterministic_with_one_demo_warning(settings):
    settings.PMIP_WEATHER_DEMO_WARNING_LOCATION = "114.05,22.52"
    a = EmbeddedWeatherProvider().forecast("114.05,22.52")
    assert a == EmbeddedWeatherProvider().forecast("114.05,22.52")
    assert len(a.days) == 7 and [w.color for w in a.warnings] == ["orange"]
    assert EmbeddedWeatherProvider().forecast("113.93,22.53").warnings == []


@pytest.fixture
def futian(city):
    district = city.districts["futian"]
    district.name = "福田区"
    district.save()
    return district


def test_refresh_stores_and_a_severe_signal_makes_checklist_and_push(city, futian, staff, client):
    owner = factories.account("wxowner", mobile="+8613900009999")
    project = city.projects["lianhua"]
    services.set_subscription(actor=owner, project_id=project.pk, on=True)
    with FakeQWeather(warnings=[RAINSTORM_RED]) as fake:
        provider = QWeatherProvider(host=fake.url, key=KEY)
        assert services.refresh_all(provider=provider)["issued"] >= 1
        services.refresh_all(provider=provider)  # the same warning again: nothing new
    assert DistrictWeather.objects.get(district=futian).now["temp"] == "31"
    warning = WeatherWarning.objects.get(district=futian)
    futian_projects = {p.pk for p in city.projects.values() if p.district_id == futian.pk}
    assert {t.project_id for t in WarningTask.objects.filter(warning=warning)} == futian_projects
    broadcast = Broadcast.objects.get(key=f"weather.warning.{warning.pk}")
    fanout.expand(broadcast.pk)
    assert Notification.objects.filter(recipient=owner, kind="weather.warning.severe").count() == 1

    # the page reads stored data only: a provider that fails is never called by a page view
    def boom(*args, **kwargs):
        raise AssertionError("a page view called the provider")

    settings_provider = provider_mod.get_provider
    provider_mod.get_provider = boom
    try:
        client.force_login(owner)
        page = client.get(f"/weather/?project={project.pk}").content.decode()
    finally:
        provider_mod.get_provider = settings_provider
    assert "暴雨红色预警信号" in page and "防御指引" in page and "地下车库" in page
    assert "31℃" in page and "关闭预警推送" in page

    # the warning is lifted: no longer in force
    with FakeQWeather(warnings=[]) as fake:
        services.refresh_all(provider=QWeatherProvider(host=fake.url, key=KEY))
    warning.refresh_from_db()
    assert warning.ended_at is not None
    assert "没有生效的预警信号" in client.get(f"/weather/?project={project.pk}").content.decode()

    # the property company ticks its entry; another company cannot see it
    task = WarningTask.objects.get(warning=warning, project=project)
    login_staff(client, staff["company"])
    assert "待落实" in client.get("/office/weather/").content.decode()
    client.post(f"/office/weather/{task.pk}/done/", {"note": "挡水板已就位"})
    task.refresh_from_db()
    assert task.done_by == staff["company"] and task.note == "挡水板已就位"


def test_provider_failure_keeps_the_last_forecast(city, futian):
    with FakeQWeather() as fake:
        services.refresh_district(futian, provider=QWeatherProvider(host=fake.url, key=KEY))
    with FakeQWeather(fail="code") as fake:
        result = services.refresh_district(futian, provider=QWeatherProvider(host=fake.url, key=KEY))
    assert "error" in result
    stored = DistrictWeather.objects.get(district=futian)
    assert stored.now["temp"] == "31" and stored.last_error


def test_search_and_choose(city, futian, client):
    owner = factories.account("wxowner2", mobile="+8613900009998")
    client.force_login(owner)
    page = client.get("/weather/?q=莲花").content.decode()
    assert "确定选择" in page and "莲花山庄" in page
    assert "没有找到相关小区" in client.get("/weather/?q=不存在的小区").content.decode()
    page = client.get(f"/weather/?project={city.projects['lianhua'].pk}").content.decode()
    assert "暂未获取到该区的天气信息" in page  # nothing stored yet; the page does not fetch
    assert client.get("/weather/?project=abc").status_code == 200
