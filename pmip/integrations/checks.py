"""A production deployment must not run on embedded stand-ins: anyone could log in as anyone through the identity
ones, and the weather one shows invented forecasts and warnings (a made-up 暴雨橙色预警, or none when a real one is in
force) to owners who act on them."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from pmip.core.conf import pmip_settings

BACKEND_SETTINGS = (
    "PMIP_SMS_BACKEND",
    "PMIP_WECHAT_OAUTH_BACKEND",
    "PMIP_WECHAT_MESSAGE_BACKEND",
    "PMIP_FACEID_BACKEND",
    "PMIP_TITLE_REGISTRY_BACKEND",
)
#: every backend with an embedded stand-in (the development inbox, pmip.integrations.standins, shows only the first)
CHECKED_SETTINGS = (*BACKEND_SETTINGS, "PMIP_WEATHER_BACKEND")
_WHY = {"PMIP_WEATHER_BACKEND": "the stand-in shows invented weather and warning signals to owners"}


@checks.register(checks.Tags.security, deploy=False)
def no_standins_in_production(app_configs, **kwargs):
    if pmip_settings().environment != "production":
        return []
    return [
        checks.Error(
            f"{name} is 'embedded' in production: "
            + _WHY.get(name, "the stand-in lets anyone pass this step")
            + ".",
            hint=f"Set {name} to the real adapter (see docs/integrations.md).",
            id="pmip.E001",
        )
        for name in CHECKED_SETTINGS
        if getattr(settings, name, "embedded") == "embedded"
    ]
