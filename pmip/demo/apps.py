from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city: synthetic data and the `demo_city` / `pmip_banner` commands; nothing imports it back."""

    name = "pmip.demo"
    label = "demo"
