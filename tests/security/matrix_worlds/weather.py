"""Access-matrix world: a red warning for the victim's district, which gives the victim's project a checklist entry
(through the weather refresh, with a provider that answers one warning)."""

from __future__ import annotations

from pmip.integrations.weather import Forecast, Now, Warning
from pmip.registry.models import Project
from pmip.weather import services
from pmip.weather.models import DistrictLocation, WarningTask


class _OneWarning:
    name = "matrix"

    def forecast(self, location: str) -> Forecast:
        warning = Warning(
            provider_id="matrix-rainstorm",
            type_name="暴雨",
            color="red",
            title="暴雨红色预警信号",
            text="请做好防御准备。",
        )
        return Forecast(now=Now(temp="25", text="大雨"), days=[], warnings=[warning], provider=self.name)


def build(*, project: Project) -> dict[str, object]:
    DistrictLocation.objects.get_or_create(district=project.district, defaults={"location": "113.93,22.53"})
    services.refresh_district(project.district, provider=_OneWarning())
    return {"weather_task": WarningTask.objects.get(project=project).pk}
