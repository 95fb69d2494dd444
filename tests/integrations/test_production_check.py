from django.core import checks
from django.test import override_settings

from pmip.integrations.checks import no_standins_in_production


def _ids():
    assert no_standins_in_production in checks.registry.registry.registered_checks
    return [m.id for m in no_standins_in_production(None)]


def test_development_allows_standins():
    assert _ids() == []


@override_settings(PMIP_ENVIRONMENT="production")
def test_production_refuses_every_embedded_backend():
    assert len(_ids()) == 6


@override_settings(
    PMIP_ENVIRONMENT="production",
    PMIP_SMS_BACKEND="tencent",
    PMIP_WECHAT_OAUTH_BACKEND="wechat",
    PMIP_WECHAT_MESSAGE_BACKEND="wechat",
    PMIP_FACEID_BACKEND="tencent",
    PMIP_TITLE_REGISTRY_BACKEND="http",
    PMIP_WEATHER_BACKEND="qweather",
)
def test_production_with_real_adapters_passes():
    assert _ids() == []


@override_settings(
    PMIP_ENVIRONMENT="production",
    PMIP_SMS_BACKEND="tencent",
    PMIP_WECHAT_OAUTH_BACKEND="wechat",
    PMIP_WECHAT_MESSAGE_BACKEND="wechat",
    PMIP_FACEID_BACKEND="tencent",
    PMIP_TITLE_REGISTRY_BACKEND="http",
    PMIP_WEATHER_BACKEND="embedded",
)
def test_production_refuses_the_weather_stand_in():
    messages = no_standins_in_production(None)
    assert [m.id for m in messages] == ["pmip.E001"]
    assert "PMIP_WEATHER_BACKEND" in messages[0].msg and "weather" in messages[0].msg
