from django.apps import AppConfig


class WeatherConfig(AppConfig):
    name = "pmip.weather"
    label = "weather"
    verbose_name = "小区气象公告栏"

    def ready(self) -> None:
        from pmip.weather import services  # noqa: F401  (registers the fan-out audience)
