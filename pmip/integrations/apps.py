from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "pmip.integrations"
    label = "integrations"

    def ready(self) -> None:
        from pmip.integrations import checks  # noqa: F401  (registers the system check)
